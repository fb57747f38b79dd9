#pragma once

#include <QStringList>

namespace mc {

/// Runs the command line (arguments as QCoreApplication::arguments() gives
/// them) and returns the exit status: 0 success, 1 failure, 2 usage error.
int runCli(const QStringList &arguments);

} // namespace mc
