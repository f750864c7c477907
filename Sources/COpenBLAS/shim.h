#ifndef NEWSCLF_COPENBLAS_SHIM_H
#define NEWSCLF_COPENBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS extensions (declared in Debian's cblas.h of openblas, repeated for clarity). */
#endif
