// A test-only stand-in for a user at the window, for tst_recovery: it runs the
// real MainWindow (mcgui) with the application's names, so its autosaves go
// where modelcomposer's go (QStandardPaths, AppLocalDataLocation/autosave;
// the test points XDG_DATA_HOME at a temporary folder).
//
//   recovery_helper edit PROJECT   opens PROJECT, adds a layer as the editor
//                                  does, autosaves every 100 ms and runs until
//                                  it is killed; prints "edited <json>" and
//                                  "autosave <file>"
//   recovery_helper recover        starts as after a crash, accepts the offered
//                                  work and prints what the window then holds:
//                                  "offered", "restored", "modified", "file",
//                                  "json"; exits.
#include "Autosave.h"
#include "DocumentEditor.h"
#include "MainWindow.h"
#include "document/Project.h"
#include "document/ProjectFile.h"

#include <QApplication>
#include <QJsonDocument>

#include <cstdio>

using namespace mc;

namespace {

void say(const QString &key, const QString &value)
{
    std::printf("%s %s\n", qPrintable(key), value.toUtf8().constData());
    std::fflush(stdout);
}

QString json(const Project &p)
{
    return QString::fromUtf8(QJsonDocument(ProjectFile::toJson(p.data())).toJson(QJsonDocument::Compact));
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    // The names of modelcomposer (app/gui/main.cpp): the same autosave folder.
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposer"));
    QCoreApplication::setApplicationName(QStringLiteral("modelcomposer"));
    const QStringList args = app.arguments();
    const QString mode = args.value(1);

    MainWindow window;
    window.show();
    if (mode == QLatin1String("edit") && args.size() == 3) {
        QString error;
        if (!window.openFile(args.at(2), &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        const Project &p = *window.project();
        if (!window.editor()->addLayer(p.rootType(), QStringLiteral("GELU"), {0, 400})) {
            std::fprintf(stderr, "the edit was refused\n");
            return 1;
        }
        window.setAutosaveInterval(100);
        say(QStringLiteral("edited"), json(p));
        say(QStringLiteral("autosave"), window.autosave()->file());
        return app.exec(); // until killed
    }
    if (mode == QLatin1String("recover") && args.size() == 2) {
        QString offered;
        const bool restored = window.offerRecovery([&](const QString &what, const QDateTime &when) {
            offered = what + QLatin1Char(' ') + when.toString(Qt::ISODate);
            return true;
        });
        say(QStringLiteral("offered"), offered);
        say(QStringLiteral("restored"), QString::number(restored));
        say(QStringLiteral("modified"), QString::number(window.isWindowModified()));
        say(QStringLiteral("file"), window.filePath());
        say(QStringLiteral("json"), json(*window.project()));
        return 0;
    }
    std::fprintf(stderr, "usage: recovery_helper edit PROJECT | recovery_helper recover\n");
    return 2;
}
