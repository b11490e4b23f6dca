/* reader_grug: placeholder until the module lands. */
#include "resource/reader.h"
