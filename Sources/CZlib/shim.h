#ifndef NEWSCLF_CZLIB_SHIM_H
#define NEWSCLF_CZLIB_SHIM_H
#include <zlib.h>
#endif
