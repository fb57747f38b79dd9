#include "Gestures.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "TrainingWindowFixture.h"
#include "WidgetTestUtil.h"
#include "document/ProjectFile.h"
#include "training/Checkpoint.h"

#include <QAction>
#include <QFile>
#include <QInputDialog>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QUndoStack>
#include <QtTest>

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

using namespace mc;
using namespace wtu;

/// The article's Example 3 as a new user makes it, in the whole window: from
/// an empty project through palette drags, port-to-port wire drags, Make
/// Module (its dialog answered), Alt-drag to call the block again, Properties
/// fields and an undo; then trained with the Start button, exported, saved,
/// the window closed, and the project reopened in a new window, which
/// restores that project's checkpoint and nobody else's.
class tst_ExampleThree : public TrainingWindowFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void drawTrainExportSaveReopen();

private:
    /// Edit ▸ Make Module from Selection on `nodes`, naming the type `name` in
    /// its dialog; the new node.
    int makeModule(const QList<int> &nodes, const QString &name);
    QAction *action(const QString &text) const;
};

void tst_ExampleThree::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposerTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_examplethree"));
    QSettings().clear();
}

QAction *tst_ExampleThree::action(const QString &text) const
{
    for (QAction *a : m_window->findChildren<QAction *>())
        if (a->text().remove(QLatin1Char('&')).startsWith(text))
            return a;
    return nullptr;
}

int tst_ExampleThree::makeModule(const QList<int> &nodes, const QString &name)
{
    m_window->canvas()->scene()->selectNodes(nodes);
    bool asked = false;
    auto *poll = new QTimer(this);
    poll->setInterval(10);
    connect(poll, &QTimer::timeout, this, [poll, name, &asked] {
        auto *dialog = qobject_cast<QInputDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        poll->stop();
        poll->deleteLater();
        asked = true;
        dialog->setTextValue(name);
        dialog->accept();
    });
    poll->start();
    QAction *make = action(QStringLiteral("Make Module"));
    if (!make || !make->isEnabled())
        return 0;
    make->trigger();
    const QList<int> selected = m_window->canvas()->scene()->selectedNodeIds();
    return asked && selected.size() == 1 ? selected.first() : 0;
}

void tst_ExampleThree::drawTrainExportSaveReopen()
{
    openWindow();
    m_window->newProject();
    m_window->resize(1600, 1000);
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow();
    Gestures g(m_window->project(), m_window->editor(), m_window->canvas(), m_window->properties(),
               m_window->paletteWidget());
    g.makeModule = [this](const QList<int> &nodes, const QString &name) { return makeModule(nodes, name); };

    // A layer dropped by mistake, taken back with Ctrl+Z.
    const int mistake = g.drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 800});
    QVERIFY(mistake);
    QVERIFY(m_window->project()->type(g.current())->node(mistake));
    QTest::keyClick(m_window->canvas()->view(), Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(!m_window->project()->type(g.current())->node(mistake));

    g.drawSharedBlock();
    QVERIFY(!QTest::currentTestFailed());
    const ProjectData expected = example(QStringLiteral("shared-block.mcproj"));
    QCOMPARE(canonical(m_window->project()->data()), canonical(expected));
    QCOMPARE(m_window->editor()->analysis()->analysis().totalParams(), 330);

    // Saved under its own name, trained briefly with the Start button.
    const QString path = m_dir->filePath(QStringLiteral("example3.mcproj"));
    QString error;
    QVERIFY2(m_window->saveFile(path, &error), qPrintable(error));
    setTraining([](TrainingSettings &s) {
        s.epochs = 2;
        s.limitTrainBatches = 2;
    });
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    const int points = m_controller->lossPlot()->trainPointCount();
    QVERIFY(points > 0);
    const auto trained = m_controller->currentWeights();
    QVERIFY(!trained.empty());

    // Exported: PyTorch's loader opens it and gives the trained model's output.
    const QString exported = m_dir->filePath(QStringLiteral("example3.pt"));
    QVERIFY2(m_controller->exportTorchScript(exported, &error), qPrintable(error));
    torch::jit::Module script = torch::jit::load(exported.toStdString());
    const at::Tensor y = script.forward({torch::ones({3, 10})}).toTensor();
    QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{3, 10}));

    // Exported as Python (File ▸ Export Python…): the same trained weights beside the source.
    QAction *exportPython = m_window->findChild<QAction *>(QStringLiteral("exportPythonAction"));
    QVERIFY(exportPython);
    QVERIFY(exportPython->isEnabled());
    const QString python = m_dir->filePath(QStringLiteral("example3.py"));
    QVERIFY2(m_controller->exportPython(python, &error), qPrintable(error));
    QFile source(python);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray text = source.readAll();
    QVERIFY(text.startsWith("# ExternalInjection, the model of example3.mcproj, as PyTorch code."));
    QVERIFY(text.contains("        self.shared_module = SharedBlock(dim)\n"));
    QFile weightsFile(m_dir->filePath(QStringLiteral("example3.weights.pt")));
    QVERIFY(weightsFile.open(QIODevice::ReadOnly));
    const QByteArray bytes = weightsFile.readAll();
    const auto state = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end())).toGenericDict();
    QCOMPARE(state.size(), script.named_parameters().size());
    for (const auto &p : script.named_parameters())
        QVERIFY2(torch::equal(state.at(p.name).toTensor(), p.value), p.name.c_str());

    // Saved (Ctrl+S), its checkpoint beside it; the window closed.
    QTest::keyClick(m_window->canvas()->view(), Qt::Key_S, Qt::ControlModifier);
    QVERIFY(!m_window->isModified());
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("example3.ckpt"))));
    QVERIFY(m_controller->stopAndWait(5000));
    QVERIFY(m_window->close());
    m_window.reset();

    // A new window opens another project first (none of Example 3's run
    // shows), then Example 3: its own checkpoint comes back.
    m_window = std::make_unique<MainWindow>(m_dir->filePath(QStringLiteral("autosave")));
    m_controller = new TrainingController(m_window.get());
    m_window->show();
    QVERIFY2(m_window->openFile(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"), &error), qPrintable(error));
    QVERIFY(m_controller->lastCheckpoint() == nullptr);
    QVERIFY(!button("continueButton")->isEnabled());
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 0);
    QVERIFY2(m_window->openFile(path, &error), qPrintable(error));
    QVERIFY(m_controller->lastCheckpoint() != nullptr);
    QCOMPARE(ProjectFile::fromJson(m_controller->lastCheckpoint()->project).types, m_window->project()->data().types);
    QVERIFY(button("continueButton")->isEnabled());
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), points);
    QVERIFY2(m_controller->panel()->status().contains(QStringLiteral("example3.ckpt")),
             qPrintable(m_controller->panel()->status()));
    const auto restored = m_controller->currentWeights();
    QCOMPARE(restored.size(), trained.size());
    for (size_t k = 0; k < trained.size(); ++k) {
        QCOMPARE(restored[k].first, trained[k].first);
        QVERIFY2(restored[k].second.equal(trained[k].second), trained[k].first.c_str());
    }
    closeWindow(5000);
}

QTEST_MAIN(tst_ExampleThree)
#include "tst_examplethree.moc"
