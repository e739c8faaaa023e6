/* version.h: the version string every program prints for --version. */
#ifndef SECHUB_VERSION_H
#define SECHUB_VERSION_H

#include "config.h"

#define SECHUB_VERSION_LINE(prog) prog " (" PACKAGE_NAME ") " PACKAGE_VERSION

#endif
