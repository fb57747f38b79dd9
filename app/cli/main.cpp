// modelcomposer-cli: the headless face of Model Composer. Links the model
// layer only. Exit status: 0 success, 1 a bad project or a failed run (one
// line `error: …` on stderr), 2 a usage error.

#include "CliCommands.h"

#include <QCoreApplication>

using namespace mc;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("modelcomposer-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MODELCOMPOSER_VERSION));
    return runCli(QCoreApplication::arguments());
}
