/* writer: placeholder until the module lands. */
#include "resource/writer.h"
