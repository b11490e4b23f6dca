/* reader_rv1exec: placeholder until the module lands. */
#include "resource/reader.h"
