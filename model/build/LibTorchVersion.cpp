#include "build/LibTorchVersion.h"

#include <torch/version.h>

namespace mc {

QString libtorchVersion()
{
    return QStringLiteral(TORCH_VERSION);
}

} // namespace mc
