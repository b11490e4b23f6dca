/* reader_jgf: placeholder until the module lands. */
#include "resource/reader.h"
