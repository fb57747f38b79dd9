#include "Autosave.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "MainWindow.h"
#include "NodeItem.h"
#include "PropertiesPanel.h"
#include "ProblemsPanel.h"
#include "SummaryPanel.h"
#include "StackTableEditor.h"
#include "WidgetTestUtil.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QJsonArray>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

using namespace wtu;

/// The window: files (open, bad files, save, examples, recent files,
/// autosave after a crash), the title, the actions and room for more docks.
class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void startsWithAnEmptyModel();
    void firstStartWelcomes();
    void openBadFileKeepsTheProject_data();
    void openBadFileKeepsTheProject();
    void titleShowsUnsavedChanges();
    void saveIsCleanAndRemembered();
    void examplesOpenAsUntitledCopies_data();
    void examplesOpenAsUntitledCopies();
    void autosaveOfferedAfterACrash();
    void standardShortcuts();
    void undoFromACommittedField();
    void platformKeysReachTheirActions();
    void pasteOnlyWithSomethingToPaste();
    void statusSaysWhatHappened();
    void actionsEditTheSelection();
    void makeModuleKeepsUnusedOutputs();
    void newNodesLandClear();
    void arrangeWrapsALongChain();
    void stackAddContinuesTheChain();
    void moreDocksFitIn();
    void summaryFollowsTheDocument();
    void problemsCountedInTheDockTitle();
    void problemsNameTheCallSite();

private:
    QString writeFile(const QString &name, const QByteArray &bytes);

    QTemporaryDir m_dir;
    MainWindow *m_window = nullptr;
};

void tst_MainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposerTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
}

void tst_MainWindow::init()
{
    m_window = new MainWindow(m_dir.filePath(QStringLiteral("autosave")));
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void tst_MainWindow::cleanup()
{
    // Unsaved changes would ask on close; tests leave without asking.
    delete m_window;
    m_window = nullptr;
    QDir(m_dir.filePath(QStringLiteral("autosave"))).removeRecursively();
}

QString tst_MainWindow::writeFile(const QString &name, const QByteArray &bytes)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(bytes);
    return path;
}

void tst_MainWindow::startsWithAnEmptyModel()
{
    QCOMPARE(m_window->project()->rootType(), QStringLiteral("Model"));
    QCOMPARE(m_window->canvas()->currentType(), QStringLiteral("Model"));
    QVERIFY(!m_window->isModified());
    QVERIFY(m_window->filePath().isEmpty());
}

// The first start opens the article's first example, with no problems, and
// says where to go next; later starts do not. The About box names versions,
// the article and the licence.
void tst_MainWindow::firstStartWelcomes()
{
    QSettings().remove(QStringLiteral("app/welcomed"));
    QVERIFY(m_window->welcomeOnFirstStart());
    QCOMPARE(m_window->project()->rootType(), QStringLiteral("EncoderDecoderLightning"));
    QVERIFY(m_window->filePath().isEmpty()); // an untitled copy: Save asks where
    QVERIFY(!m_window->isModified());
    QVERIFY(!m_window->editor()->analysis()->analysis().hasErrors());
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QStringLiteral("Help")),
             qPrintable(m_window->statusBar()->currentMessage()));
    m_window->newProject();
    QVERIFY(!m_window->welcomeOnFirstStart());
    QCOMPARE(m_window->project()->rootType(), QStringLiteral("Model"));

    const QString about = MainWindow::aboutText();
    for (const QString &part : {QStringLiteral(MODELCOMPOSER_VERSION), QStringLiteral(QT_VERSION_STR),
                                QStringLiteral("LibTorch 1.13"), QStringLiteral("injected, nested models"),
                                QStringLiteral("GNU General Public License")})
        QVERIFY2(about.contains(part), qPrintable(part));
}

void tst_MainWindow::openBadFileKeepsTheProject_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("sentence");
    QTest::addRow("not_json") << QByteArray("{\"format\": ") << "not valid JSON";
    QTest::addRow("wrong_format") << QByteArray("{\"format\": \"other\", \"version\": 1}") << "not a Model Composer project";
    // A wire to a node that does not exist.
    QJsonObject o = ProjectFile::toJson(example(QStringLiteral("encoder-decoder.mcproj")));
    QJsonArray types = o.value(QStringLiteral("types")).toArray();
    QJsonObject first = types.at(0).toObject();
    QJsonArray wires = first.value(QStringLiteral("wires")).toArray();
    QJsonObject wire = wires.at(0).toObject();
    wire.insert(QStringLiteral("to"), QJsonArray{99, 0});
    wires.replace(0, wire);
    first.insert(QStringLiteral("wires"), wires);
    types.replace(0, first);
    o.insert(QStringLiteral("types"), types);
    QTest::addRow("missing_node") << QJsonDocument(o).toJson() << "no node 99";
}

void tst_MainWindow::openBadFileKeepsTheProject()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, sentence);
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    QVERIFY(m_window->editor()->addLayer(m_window->canvas()->currentType(), QStringLiteral("ReLU"), {0, 400}));
    const QByteArray before = json(*m_window->project());
    const QString path = m_window->filePath();
    const QString bad = writeFile(QStringLiteral("bad.mcproj"), bytes);
    QString error;
    QVERIFY(!m_window->openFile(bad, &error));
    QVERIFY2(error.contains(sentence), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("bad.mcproj")), qPrintable(error));
    QCOMPARE(json(*m_window->project()), before);
    QCOMPARE(m_window->filePath(), path);
    QVERIFY(m_window->isModified());
    QVERIFY(m_window->editor()->undoStack()->canUndo()); // the history survives too
}

void tst_MainWindow::titleShowsUnsavedChanges()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    QVERIFY(m_window->windowTitle().contains(QStringLiteral("encoder-decoder.mcproj[*]")));
    QVERIFY(!m_window->isWindowModified());
    QVERIFY(m_window->editor()->setFrozen(QStringLiteral("EncoderDecoderLightning"), QStringLiteral("encoder"), true));
    QVERIFY(m_window->isWindowModified());
    m_window->editor()->undoStack()->undo();
    QVERIFY(!m_window->isWindowModified());
}

void tst_MainWindow::saveIsCleanAndRemembered()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    QVERIFY(m_window->editor()->addLayer(QStringLiteral("ExternalInjection"), QStringLiteral("GELU"), {0, 400}));
    const QString path = m_dir.filePath(QStringLiteral("saved.mcproj"));
    QString error;
    QVERIFY2(m_window->saveFile(path, &error), qPrintable(error));
    QVERIFY(!m_window->isModified());
    QCOMPARE(m_window->filePath(), QFileInfo(path).absoluteFilePath());
    QCOMPARE(ProjectFile::load(path), m_window->project()->data());
    QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList().value(0), QFileInfo(path).absoluteFilePath());
    // A save that cannot happen says why and changes nothing.
    QVERIFY(m_window->editor()->addLayer(QStringLiteral("ExternalInjection"), QStringLiteral("GELU"), {0, 600}));
    QVERIFY(!m_window->saveFile(m_dir.filePath(QStringLiteral("missing/dir/x.mcproj")), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(m_window->isModified());
    QCOMPARE(m_window->filePath(), QFileInfo(path).absoluteFilePath());
}

void tst_MainWindow::examplesOpenAsUntitledCopies_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("root");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << "EncoderDecoderLightning";
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << "ConfigurableLightning";
    QTest::addRow("shared_block") << "shared-block.mcproj" << "ExternalInjection";
}

void tst_MainWindow::examplesOpenAsUntitledCopies()
{
    QFETCH(QString, file);
    QFETCH(QString, root);
    QVERIFY(!MainWindow::examplesDirectory().isEmpty());
    QString error;
    QVERIFY2(m_window->openExample(file, &error), qPrintable(error));
    QCOMPARE(m_window->project()->rootType(), root);
    QVERIFY(m_window->filePath().isEmpty()); // Save asks where: the example stays as it is
    QVERIFY(m_window->windowTitle().contains(QStringLiteral("(example)")));
    QCOMPARE(m_window->canvas()->currentType(), root);
}

void tst_MainWindow::autosaveOfferedAfterACrash()
{
    const QString dir = m_dir.filePath(QStringLiteral("autosave"));
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    QVERIFY(m_window->editor()->addLayer(QStringLiteral("EncoderDecoderLightning"), QStringLiteral("Tanh"), {0, 400}));
    m_window->autosaveNow();
    QVERIFY(QFile::exists(m_window->autosave()->file()));
    const QByteArray unsaved = json(*m_window->project());
    // While the window runs, its autosave is nobody's orphan.
    QVERIFY(Autosave(dir).orphans().isEmpty());
    // A crash: the window goes without a clean exit (no close, no discard).
    delete m_window;
    m_window = nullptr;
    const QList<Autosave::Orphan> orphans = Autosave(dir).orphans();
    QCOMPARE(orphans.size(), 1);
    QVERIFY(orphans.first().source.endsWith(QStringLiteral("encoder-decoder.mcproj")));
    // The next start offers it back.
    m_window = new MainWindow(dir);
    QString offered;
    QVERIFY(m_window->offerRecovery([&](const QString &what, const QDateTime &when) {
        offered = what;
        return when.isValid();
    }));
    QVERIFY(offered.endsWith(QStringLiteral("encoder-decoder.mcproj")));
    QCOMPARE(json(*m_window->project()), unsaved);
    QVERIFY(m_window->isModified()); // recovered work is not saved work
    QVERIFY(m_window->filePath().endsWith(QStringLiteral("encoder-decoder.mcproj")));
    // Offered once only.
    QVERIFY(!MainWindow(dir).offerRecovery([](const QString &, const QDateTime &) { return true; }));
}

void tst_MainWindow::standardShortcuts()
{
    auto shortcutOf = [&](const QString &text) {
        for (QAction *a : m_window->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')).startsWith(text))
                return a->shortcut();
        return QKeySequence();
    };
    QCOMPARE(shortcutOf(QStringLiteral("Undo")), QKeySequence(QKeySequence::Undo));
    QCOMPARE(shortcutOf(QStringLiteral("Redo")), QKeySequence(QKeySequence::Redo));
    QCOMPARE(shortcutOf(QStringLiteral("Open…")), QKeySequence(QKeySequence::Open));
    // The platform's key first; Ctrl+Shift+S where the platform binds none.
    QCOMPARE(shortcutOf(QStringLiteral("Save As")),
             QKeySequence::keyBindings(QKeySequence::SaveAs).value(0, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)));
    QCOMPARE(shortcutOf(QStringLiteral("Copy")), QKeySequence(QKeySequence::Copy));
    QCOMPARE(shortcutOf(QStringLiteral("Zoom In")), QKeySequence(QKeySequence::ZoomIn));
}

void tst_MainWindow::undoFromACommittedField()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    const QString root = QStringLiteral("ExternalInjection");
    m_window->canvas()->scene()->selectNodes({nodeId(*m_window->project(), root, QStringLiteral("fc1"))});
    QLineEdit *name = m_window->properties()->nameField();
    QVERIFY(name);
    m_window->activateWindow();
    name->setFocus(Qt::MouseFocusReason);
    name->selectAll();
    QTest::keyClicks(name, QStringLiteral("first"));
    QTest::keyClick(name, Qt::Key_Return);
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("first")));
    // The field still has the focus: Ctrl+Z undoes the rename, Ctrl+Y redoes it.
    name = m_window->properties()->nameField();
    QVERIFY(name->hasFocus() || QApplication::focusWidget() == name);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("fc1")));
    QVERIFY(!m_window->project()->type(root)->instance(QStringLiteral("first")));
    QVERIFY(QApplication::focusWidget());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Y, Qt::ControlModifier);
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("first")));
    // While typing, Ctrl+Z is the field's own: the document stays as it is.
    name = m_window->properties()->nameField();
    name->setFocus(Qt::MouseFocusReason);
    name->selectAll();
    QTest::keyClicks(name, QStringLiteral("second"));
    QTest::keyClick(name, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("first")));
    QCOMPARE(m_window->editor()->undoStack()->index(), 1);
}

void tst_MainWindow::platformKeysReachTheirActions()
{
    auto action = [&](const QString &text) -> QAction * {
        for (QAction *a : m_window->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')).startsWith(text))
                return a;
        return nullptr;
    };
    struct Key
    {
        const char *action;
        QKeySequence key;
    };
    for (const Key &k : {Key{"Save As", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)},
                         Key{"Redo", QKeySequence(Qt::CTRL | Qt::Key_Y)},
                         Key{"Redo", QKeySequence(QKeySequence::Redo)},
                         Key{"Zoom In", QKeySequence(Qt::CTRL | Qt::Key_Equal)},
                         Key{"Zoom In", QKeySequence(QKeySequence::ZoomIn)},
                         Key{"Model Composer Help", QKeySequence(Qt::Key_F1)}}) {
        QAction *a = action(QString::fromLatin1(k.action));
        QVERIFY2(a, k.action);
        QVERIFY2(a->shortcuts().contains(k.key), qPrintable(QStringLiteral("%1 lacks %2").arg(k.action, k.key.toString())));
    }
    // Pressed as a person would, on the canvas.
    QWidget *canvas = m_window->canvas()->view()->viewport();
    m_window->activateWindow();
    m_window->canvas()->view()->setFocus();
    QAction *zoomIn = action(QStringLiteral("Zoom In"));
    QSignalSpy zoomed(zoomIn, &QAction::triggered);
    QTest::keyClick(canvas, Qt::Key_Equal, Qt::ControlModifier);
    QCOMPARE(zoomed.count(), 1);
    QTest::keyClick(canvas, Qt::Key_F1);
    auto *guide = m_window->findChild<QDialog *>(QStringLiteral("userGuide"));
    QVERIFY(guide);
    QTRY_VERIFY(guide->isVisible());
    auto *browser = guide->findChild<QTextBrowser *>(QStringLiteral("userGuideBrowser"));
    QVERIFY(browser);
    QVERIFY2(browser->toPlainText().contains(QStringLiteral("canvas"), Qt::CaseInsensitive),
             qPrintable(browser->toPlainText().left(200)));
    guide->close();
    QAction *saveAs = action(QStringLiteral("Save As"));
    QSignalSpy saving(saveAs, &QAction::triggered);
    // Save As opens a file dialog: cancel it when it shows.
    QTimer::singleShot(0, this, [] {
        auto cancel = [](auto &self) -> void {
            if (QWidget *modal = QApplication::activeModalWidget()) {
                static_cast<QDialog *>(modal)->reject();
                return;
            }
            QTimer::singleShot(10, [&self] { self(self); });
        };
        static auto loop = cancel;
        loop(loop);
    });
    m_window->canvas()->view()->setFocus();
    QTest::keyClick(canvas, Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(saving.count(), 1);
}

void tst_MainWindow::pasteOnlyWithSomethingToPaste()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    auto action = [&](const QString &text) -> QAction * {
        for (QAction *a : m_window->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')) == text)
                return a;
        return nullptr;
    };
    QApplication::clipboard()->clear();
    QAction *paste = action(QStringLiteral("Paste"));
    QVERIFY(paste);
    QTRY_VERIFY(!paste->isEnabled());
    QApplication::clipboard()->setText(QStringLiteral("not nodes"));
    QTRY_VERIFY(!paste->isEnabled());
    const QString root = QStringLiteral("ExternalInjection");
    m_window->canvas()->scene()->selectNodes({nodeId(*m_window->project(), root, QStringLiteral("fc1"))});
    action(QStringLiteral("Copy"))->trigger();
    QTRY_VERIFY(paste->isEnabled());
    QApplication::clipboard()->clear();
    QTRY_VERIFY(!paste->isEnabled());
}

void tst_MainWindow::statusSaysWhatHappened()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    QVERIFY(m_window->openExample(QStringLiteral("shared-block.mcproj")));
    QVERIFY2(m_window->statusBar()->currentMessage().startsWith(QStringLiteral("Opened the example shared-block")),
             qPrintable(m_window->statusBar()->currentMessage()));
    auto action = [&](const QString &text) -> QAction * {
        for (QAction *a : m_window->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')) == text)
                return a;
        return nullptr;
    };
    const QString root = QStringLiteral("ExternalInjection");
    GraphScene *scene = m_window->canvas()->scene();
    scene->selectNodes({nodeId(*m_window->project(), root, QStringLiteral("fc1")),
                        nodeId(*m_window->project(), root, QStringLiteral("fc2"))});
    action(QStringLiteral("Copy"))->trigger();
    QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Copied 2 nodes."));
    action(QStringLiteral("Paste"))->trigger();
    QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Pasted 2 nodes."));
    QCOMPARE(scene->selectedNodeIds().size(), 2);
    action(QStringLiteral("Cut"))->trigger();
    QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Cut 2 nodes."));
    // A call of SharedBlock pasted inside SharedBlock: refused, in plain words.
    scene->selectNodes({nodeId(*m_window->project(), root, QStringLiteral("shared_module"))});
    action(QStringLiteral("Copy"))->trigger();
    QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Copied 1 node."));
    m_window->canvas()->showType(QStringLiteral("SharedBlock"));
    const QByteArray before = json(*m_window->project());
    action(QStringLiteral("Paste"))->trigger();
    const QString refused = m_window->statusBar()->currentMessage();
    QCOMPARE(refused, QStringLiteral("Nothing was pasted: `SharedBlock` cannot contain an instance of itself."));
    QVERIFY2(!refused.contains(QStringLiteral("already contains")), qPrintable(refused));
    QCOMPARE(json(*m_window->project()), before);
}

void tst_MainWindow::actionsEditTheSelection()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    GraphScene *scene = m_window->canvas()->scene();
    const QString root = QStringLiteral("ExternalInjection");
    auto action = [&](const QString &text) -> QAction * {
        for (QAction *a : m_window->findChildren<QAction *>())
            if (a->text().remove(QLatin1Char('&')).startsWith(text))
                return a;
        return nullptr;
    };
    const int fc1 = nodeId(*m_window->project(), root, QStringLiteral("fc1"));
    scene->selectNodes({fc1});
    action(QStringLiteral("Call This Instance Again"))->trigger();
    QCOMPARE(m_window->project()->type(root)->callsOf(QStringLiteral("fc1")).size(), 2);
    scene->selectNodes({fc1});
    action(QStringLiteral("Copy"))->trigger();
    action(QStringLiteral("Paste"))->trigger();
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("fc3")));
    QCOMPARE(scene->selectedNodeIds().size(), 1);
    action(QStringLiteral("Delete"))->trigger();
    QVERIFY(!m_window->project()->type(root)->instance(QStringLiteral("fc3")));
    scene->selectNodes({fc1});
    action(QStringLiteral("Frozen"))->trigger();
    QVERIFY(m_window->project()->type(root)->instance(QStringLiteral("fc1"))->frozen);
    // Not offered for `add`, which has no parameters; the tooltip says why.
    scene->selectNodes({nodeId(*m_window->project(), root, QStringLiteral("add"))});
    QVERIFY(!action(QStringLiteral("Frozen"))->isEnabled());
    QVERIFY(action(QStringLiteral("Frozen"))->toolTip().contains(QStringLiteral("no parameters")));
    scene->selectNodes({fc1});
    QVERIFY(action(QStringLiteral("Frozen"))->isEnabled());
    const int shared = nodeId(*m_window->project(), root, QStringLiteral("shared_module"));
    scene->selectNodes({shared});
    action(QStringLiteral("Open Inside"))->trigger();
    QCOMPARE(m_window->canvas()->currentType(), QStringLiteral("SharedBlock"));
    action(QStringLiteral("Back to Enclosing Type"))->trigger();
    QCOMPARE(m_window->canvas()->currentType(), root);
}

// A selection at the end of a graph still being drawn: its result is not used
// yet, and it becomes the new type's output (it had none before).
void tst_MainWindow::makeModuleKeepsUnusedOutputs()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    const QString encoder = QStringLiteral("Encoder");
    m_window->canvas()->showType(encoder);
    const Project &p = *m_window->project();
    const int fc = nodeId(p, encoder, QStringLiteral("fc"));
    const int relu = nodeId(p, encoder, QStringLiteral("relu"));
    const std::optional<Wire> out = p.type(encoder)->wireInto({p.type(encoder)->ports(NodeKind::Output).first()->id, 0});
    QVERIFY(out);
    QVERIFY(m_window->editor()->removeWire(encoder, *out));
    m_window->canvas()->scene()->selectNodes({fc, relu});
    QString asked;
    QTimer::singleShot(0, this, [&asked] {
        auto answer = [&asked](auto &self) -> void {
            if (auto *dialog = qobject_cast<QInputDialog *>(QApplication::activeModalWidget())) {
                asked = dialog->labelText();
                dialog->setTextValue(QStringLiteral("Inner"));
                dialog->accept();
                return;
            }
            QTimer::singleShot(10, [&self] { self(self); });
        };
        static auto loop = answer;
        loop(loop);
    });
    QAction *make = nullptr;
    for (QAction *a : m_window->findChildren<QAction *>())
        if (a->text().remove(QLatin1Char('&')).startsWith(QStringLiteral("Make Module")))
            make = a;
    QVERIFY(make && make->isEnabled());
    make->trigger();
    QVERIFY2(asked.contains(QStringLiteral("`relu` (not used yet)")), qPrintable(asked));
    const ModuleType *inner = p.type(QStringLiteral("Inner"));
    QVERIFY(inner);
    QCOMPARE(inner->ports(NodeKind::Output).size(), 1);
    QVERIFY(hasWire(p, QStringLiteral("Inner"), QStringLiteral("relu"), 0, QStringLiteral("y"), 0));
    // Its output is the instance's output port, ready to be wired on.
    const int made = nodeId(p, encoder, QStringLiteral("inner"));
    QCOMPARE(p.portCounts(encoder, made).second, 1);
}

namespace {

/// Pairs of nodes of `type` whose drawn rectangles overlap, as "a/b" lines.
QStringList overlaps(MainWindow *window, const QString &type)
{
    QStringList out;
    const ModuleType *t = window->project()->type(type);
    GraphScene *scene = window->canvas()->scene();
    QList<QPair<QString, QRectF>> rects;
    for (const Node &n : t->nodes)
        if (NodeItem *item = scene->nodeItem(n.id))
            rects.append({n.name + QLatin1Char('#') + QString::number(n.id),
                          QRectF(item->pos(), QSizeF(item->width(), item->height()))});
    for (int a = 0; a < rects.size(); ++a)
        for (int b = a + 1; b < rects.size(); ++b)
            if (rects.at(a).second.intersects(rects.at(b).second))
                out.append(rects.at(a).first + QLatin1Char('/') + rects.at(b).first);
    return out;
}

QAction *actionNamed(MainWindow *window, const QString &text)
{
    for (QAction *a : window->findChildren<QAction *>())
        if (a->text().remove(QLatin1Char('&')).startsWith(text))
            return a;
    return nullptr;
}

} // namespace

// Call-again and paste put their nodes where nothing else is, and in sight.
void tst_MainWindow::newNodesLandClear()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    const QString encoder = QStringLiteral("Encoder");
    m_window->canvas()->showType(encoder);
    const Project &p = *m_window->project();
    GraphScene *scene = m_window->canvas()->scene();
    const int relu = nodeId(p, encoder, QStringLiteral("relu"));
    const int y = p.type(encoder)->ports(NodeKind::Output).first()->id;
    // The output moved right under relu, where a second call of it would go.
    NodeItem *reluItem = scene->nodeItem(relu);
    QVERIFY(m_window->editor()->moveNodes(encoder, {{y, reluItem->pos() + QPointF(0, reluItem->height() + 40)}}));
    QVERIFY(overlaps(m_window, encoder).isEmpty());
    scene->selectNodes({relu});
    actionNamed(m_window, QStringLiteral("Call This Instance Again"))->trigger();
    QCOMPARE(p.type(encoder)->callsOf(QStringLiteral("relu")).size(), 2);
    QVERIFY2(overlaps(m_window, encoder).isEmpty(), qPrintable(overlaps(m_window, encoder).join(' ')));

    // Two pastes of the same node: neither covers anything.
    scene->selectNodes({nodeId(p, encoder, QStringLiteral("fc"))});
    actionNamed(m_window, QStringLiteral("Copy"))->trigger();
    actionNamed(m_window, QStringLiteral("Paste"))->trigger();
    actionNamed(m_window, QStringLiteral("Paste"))->trigger();
    QVERIFY(p.type(encoder)->instance(QStringLiteral("fc2")));
    QVERIFY2(overlaps(m_window, encoder).isEmpty(), qPrintable(overlaps(m_window, encoder).join(' ')));
    // The last one is selected and in the view.
    const QList<int> selected = scene->selectedNodeIds();
    QCOMPARE(selected.size(), 1);
    GraphView *view = m_window->canvas()->view();
    const QRectF visible = view->mapToScene(view->viewport()->rect()).boundingRect();
    QVERIFY(visible.intersects(scene->nodeItem(selected.first())->sceneBoundingRect()));
    // One undo takes the paste back, placement included.
    m_window->editor()->undoStack()->undo();
    QVERIFY(!p.type(encoder)->instance(QStringLiteral("fc2")));
}

// Arrange on a chain of 150 layers gives a block, not a 30,000-unit row.
void tst_MainWindow::arrangeWrapsALongChain()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    const QString encoder = QStringLiteral("Encoder");
    m_window->canvas()->showType(encoder);
    Project &p = *m_window->project();
    const ModuleType *t = p.type(encoder);
    const std::optional<Wire> last = t->wireInto({t->ports(NodeKind::Output).first()->id, 0});
    QVERIFY(last);
    QVERIFY(p.removeWire(encoder, *last));
    PortRef from = last->from;
    for (int k = 0; k < 148; ++k) {
        Instance relu;
        relu.type = QStringLiteral("ReLU");
        relu.name = QStringLiteral("act%1").arg(k);
        const std::optional<int> id = p.addCall(encoder, relu, QPointF(600 + 200 * k, 0));
        QVERIFY(id);
        QVERIFY(p.addWire(encoder, Wire{from, PortRef{*id, 0}}));
        from = PortRef{*id, 0};
    }
    QVERIFY(p.addWire(encoder, Wire{from, last->to}));
    QCOMPARE(p.type(encoder)->nodes.size(), qsizetype(152));
    actionNamed(m_window, QStringLiteral("Arrange"))->trigger();
    const QRectF r = m_window->canvas()->scene()->nodesBoundingRect();
    QVERIFY2(r.width() < 4000 && r.height() < r.width(), qPrintable(QStringLiteral("%1 x %2").arg(r.width()).arg(r.height())));
    QVERIFY2(overlaps(m_window, encoder).isEmpty(), qPrintable(overlaps(m_window, encoder).join(' ')));
    // Still one model: input first, output last, nothing lost.
    QVERIFY(!m_window->editor()->analysis()->analysis().hasErrors());
}

// Stack ▸ Add: the new block takes the last one's output (10), not a copy
// of the last row ((15, 10) after a row that gives 10).
void tst_MainWindow::stackAddContinuesTheChain()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/configurable-blocks.mcproj")));
    const QString nested = QStringLiteral("NestedModel");
    m_window->canvas()->showType(nested);
    const Project &p = *m_window->project();
    m_window->canvas()->scene()->selectNodes({nodeId(p, nested, QStringLiteral("blocks"))});
    QCoreApplication::processEvents();
    StackTableEditor *table = m_window->properties()->stackEditor();
    QVERIFY(table);
    QToolButton *add = nullptr;
    for (QToolButton *b : table->findChildren<QToolButton *>())
        if (b->text() == QStringLiteral("Add"))
            add = b;
    QVERIFY(add);
    QTest::mouseClick(add, Qt::LeftButton);
    QCoreApplication::processEvents();
    const QList<OptionMap> rows = p.type(nested)->instance(QStringLiteral("blocks"))->rows;
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.last().value(QStringLiteral("in_features")), OptionValue::constant(10));
    QCOMPARE(rows.last().value(QStringLiteral("out_features")), OptionValue::constant(10));
    const auto analysis = m_window->editor()->analysis();
    QVERIFY2(!analysis->analysis().hasErrors(), qPrintable(analysis->analysis().errorLines().join('\n')));
}

void tst_MainWindow::moreDocksFitIn()
{
    auto *dock = new QDockWidget(QStringLiteral("Training"), m_window);
    dock->setObjectName(QStringLiteral("trainingDock"));
    m_window->addDock(dock, Qt::BottomDockWidgetArea);
    QVERIFY(m_window->viewMenu()->actions().contains(dock->toggleViewAction()));
    QCOMPARE(m_window->dockWidgetArea(dock), Qt::BottomDockWidgetArea);
    // Moved by the user, it comes back where it was, even added after the
    // window restored its layout.
    m_window->addDockWidget(Qt::LeftDockWidgetArea, dock);
    QVERIFY(m_window->close());
    delete m_window;
    m_window = new MainWindow(m_dir.filePath(QStringLiteral("autosave")));
    auto *again = new QDockWidget(QStringLiteral("Training"), m_window);
    again->setObjectName(QStringLiteral("trainingDock"));
    m_window->addDock(again, Qt::BottomDockWidgetArea);
    QCOMPARE(m_window->dockWidgetArea(again), Qt::LeftDockWidgetArea);
    QSettings().remove(QStringLiteral("window"));
}

void tst_MainWindow::summaryFollowsTheDocument()
{
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    QVERIFY(m_window->raiseDock(QStringLiteral("summary")));
    QCoreApplication::processEvents();
    QTRY_VERIFY2(m_window->summary()->totalsText().contains(QStringLiteral("Total params: 61")), qPrintable(m_window->summary()->totalsText()));
    QCOMPARE(m_window->summary()->tree()->topLevelItemCount(), 2); // encoder, decoder
    // Kept current: an edit changes the totals.
    QVERIFY(m_window->editor()->setFrozen(QStringLiteral("EncoderDecoderLightning"), QStringLiteral("encoder"), true));
    QTRY_VERIFY2(m_window->summary()->totalsText().contains(QStringLiteral("Trainable params: 6 ")),
                 qPrintable(m_window->summary()->totalsText()));
    QVERIFY(m_window->summary()->totalsText().contains(QStringLiteral("Non-trainable params: 55")));
}

void tst_MainWindow::problemsCountedInTheDockTitle()
{
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("problemsDock"));
    QVERIFY(dock);
    // The empty model has problems (x has no size, y is not connected); so does a
    // size mismatch; the title must follow even when the count stays the same.
    ProjectData d = example(QStringLiteral("shared-block.mcproj"));
    d.types[1].instances[2].options.insert(QStringLiteral("in_features"), OptionValue::constant(7));
    QVERIFY(ProjectFile::save(d, m_dir.filePath(QStringLiteral("mismatch.mcproj")), nullptr));
    QVERIFY(m_window->openFile(m_dir.filePath(QStringLiteral("mismatch.mcproj"))));
    QTRY_COMPARE(dock->windowTitle(), QStringLiteral("Problems (1)"));
    // Clicking the problem opens its module type and selects its node.
    m_window->canvas()->showType(QStringLiteral("SharedBlock"));
    QTreeWidget *tree = m_window->problems()->tree();
    QCOMPARE(tree->topLevelItemCount(), 1);
    QVERIFY(tree->topLevelItem(0)->text(2).contains(QStringLiteral("fc2")));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier,
                      tree->visualItemRect(tree->topLevelItem(0)).center());
    QCOMPARE(m_window->canvas()->currentType(), QStringLiteral("ExternalInjection"));
    QCOMPARE(m_window->canvas()->scene()->selectedNodeIds(),
             QList<int>{nodeId(*m_window->project(), QStringLiteral("ExternalInjection"), QStringLiteral("fc2"))});
    QVERIFY(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj")));
    QTRY_COMPARE(dock->windowTitle(), QStringLiteral("Problems"));
}

// Two calls of one shared instance whose outputs are not used: two lines that
// say which call, readable in full, each selecting its own call.
void tst_MainWindow::problemsNameTheCallSite()
{
    ProjectData d = example(QStringLiteral("shared-block.mcproj"));
    const QString root = d.root;
    ModuleType &t = *std::find_if(d.types.begin(), d.types.end(), [&](const ModuleType &m) { return m.name == root; });
    const QList<int> calls = t.callsOf(QStringLiteral("shared_module"));
    QCOMPARE(calls.size(), 2);
    t.wires.erase(std::remove_if(t.wires.begin(), t.wires.end(), [&](const Wire &w) { return calls.contains(w.from.node); }),
                  t.wires.end());
    QVERIFY(ProjectFile::save(d, m_dir.filePath(QStringLiteral("unused.mcproj")), nullptr));
    QVERIFY(m_window->openFile(m_dir.filePath(QStringLiteral("unused.mcproj"))));
    m_window->resize(1000, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    ProblemsPanel *panel = m_window->problems();
    QTreeWidget *tree = panel->tree();
    QTreeWidgetItem *first = nullptr;
    QTreeWidgetItem *second = nullptr;
    auto find = [&] {
        first = second = nullptr;
        for (int k = 0; k < tree->topLevelItemCount(); ++k) {
            QTreeWidgetItem *item = tree->topLevelItem(k);
            if (item->text(1) == QStringLiteral("shared_module (call 1 of 2)"))
                first = item;
            if (item->text(1) == QStringLiteral("shared_module (call 2 of 2)"))
                second = item;
        }
        return first && second;
    };
    QTRY_VERIFY(find()); // the panel follows the analysis, after the edit
    QVERIFY(first->text(2) != second->text(2));
    // The whole sentence, however narrow the column: in the tooltip, and in
    // the detail line under the list once the line is clicked.
    QCOMPARE(second->toolTip(2), second->text(2));
    QVERIFY(!panel->detail()->isVisible());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier, tree->visualItemRect(second).center());
    QCOMPARE(m_window->canvas()->scene()->selectedNodeIds(), QList<int>{calls.at(1)});
    QVERIFY(panel->detail()->isVisible());
    QVERIFY2(panel->detail()->text().contains(second->text(2)), qPrintable(panel->detail()->text()));
    QVERIFY(panel->detail()->wordWrap());
    QVERIFY(panel->detail()->text().contains(QStringLiteral("shared_module (call 2 of 2)")));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier, tree->visualItemRect(first).center());
    QCOMPARE(m_window->canvas()->scene()->selectedNodeIds(), QList<int>{calls.at(0)});
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
