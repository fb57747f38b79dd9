#pragma once

#include <QString>

namespace mc {

/// The version of LibTorch the models are built with, as its headers give it
/// (`1.13.0`), for the About box and the command line's --version.
QString libtorchVersion();

} // namespace mc
