#include "CanvasWidget.h"
#include "CsvImportDialog.h"
#include "GraphScene.h"
#include "MainWindow.h"
#include "document/Project.h"
#include "TrainingController.h"
#include "TrainingPanel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QTimer>

using namespace mc;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposer"));
    QCoreApplication::setApplicationName(QStringLiteral("modelcomposer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MODELCOMPOSER_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Model Composer"));
    QGuiApplication::setDesktopFileName(QStringLiteral("modelcomposer"));
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/modelcomposer-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Model Composer: draw a neural network from nested and shared modules."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("A .mcproj file to open."),
                                 QStringLiteral("[project]"));
    const QCommandLineOption showType(QStringLiteral("show-type"),
                                      QStringLiteral("Open the module type <name> on the canvas."),
                                      QStringLiteral("name"));
    const QCommandLineOption noRecovery(QStringLiteral("no-recovery"),
                                        QStringLiteral("Do not offer autosaved work from a crash."));
    const QCommandLineOption recover(QStringLiteral("recover"),
                                     QStringLiteral("Restore autosaved work from a crash without asking."));
    const QCommandLineOption select(QStringLiteral("select"),
                                    QStringLiteral("Select the nodes named <name> (an instance or a port) on the canvas."),
                                    QStringLiteral("name"));
    const QCommandLineOption showDock(QStringLiteral("show-dock"),
                                      QStringLiteral("Bring the dock <name> to the front (summary, problems, history)."),
                                      QStringLiteral("name"));
    const QCommandLineOption trainOnStart(QStringLiteral("train-on-start"),
                                          QStringLiteral("Start training the opened project at once."));
    const QCommandLineOption importCsv(QStringLiteral("import-csv"),
                                       QStringLiteral("Open the Import CSV dialog on <file> (for screenshots)."),
                                       QStringLiteral("file"));
    parser.addOption(trainOnStart);
    parser.addOption(importCsv);
    parser.addOption(showDock);
    parser.addOption(showType);
    parser.addOption(select);
    parser.addOption(noRecovery);
    parser.addOption(recover);
    parser.process(app);

    MainWindow window;
    auto *training = new TrainingController(&window);
    window.show();
    const bool recovered = parser.isSet(recover)
        ? window.offerRecovery([](const QString &, const QDateTime &) { return true; })
        : !parser.isSet(noRecovery) && window.offerRecovery();
    const QStringList files = parser.positionalArguments();
    if (!recovered && !files.isEmpty()) {
        QString error;
        if (!window.openFile(files.first(), &error))
            QMessageBox::critical(&window, QObject::tr("Cannot Open Project"), error);
    } else if (!recovered) {
        window.welcomeOnFirstStart();
    }
    if (parser.isSet(showDock))
        window.raiseDock(parser.value(showDock));
    if (parser.isSet(showType))
        window.canvas()->showType(parser.value(showType));
    if (parser.isSet(select)) {
        QList<int> ids;
        if (const ModuleType *t = window.project()->type(window.canvas()->currentType()))
            for (const Node &n : t->nodes)
                if (n.name == parser.value(select))
                    ids.append(n.id);
        window.canvas()->scene()->selectNodes(ids);
    }
    if (parser.isSet(trainOnStart))
        QTimer::singleShot(0, training, [training] { training->start(); });
    if (parser.isSet(importCsv))
        QTimer::singleShot(0, training, [training, file = parser.value(importCsv)] {
            training->panel()->importCsv()->setFile(file);
        });
    return app.exec();
}
