#pragma once

#include <QString>
#include <QTextStream>

namespace mc {

/// The command line's two ways to fail, shared by every command: a usage error
/// (exit status 2, with a pointer to --help) and a failure (exit status 1, one
/// line `error: …` on stderr after whatever stdout already holds).
namespace CliOutput {

/// Prints `modelcomposer-cli: COMMAND: message` and the --help hint; returns 2.
inline int usageError(QTextStream &err, const QString &command, const QString &message)
{
    err << "modelcomposer-cli: " << (command.isEmpty() ? QString() : command + QStringLiteral(": "))
        << message << "\n"
        << "Try 'modelcomposer-cli --help'.\n";
    err.flush();
    return 2;
}

/// Flushes stdout, prints `error: message`; returns 1.
inline int failure(QTextStream &out, QTextStream &err, const QString &message)
{
    out.flush();
    err << "error: " << message << "\n";
    err.flush();
    return 1;
}

} // namespace CliOutput

} // namespace mc
