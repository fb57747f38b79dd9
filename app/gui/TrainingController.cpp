#include "TrainingController.h"

#include "analysis/Analysis.h"
#include "CanvasWidget.h"
#include "training/Checkpoint.h"
#include "data/CsvReader.h"
#include "data/Dataset.h"
#include "DocumentEditor.h"
#include "export/ExportedWeights.h"
#include "GraphView.h"
#include "launch/LocalLauncher.h"
#include "EvaluationView.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "PaletteWidget.h"
#include "ParameterPlot.h"
#include "PropertiesPanel.h"
#include "build/ModelBuilder.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "export/PythonExporter.h"
#include "export/TorchScriptExporter.h"
#include "training/Trainer.h"
#include "TrainingPanel.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QEventLoop>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUndoStack>

namespace mc {

namespace {
QString fromException(const std::exception &e) { return QString::fromUtf8(e.what()); }

QString duration(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e7)
        return QStringLiteral("?");
    const qint64 s = qint64(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    if (s >= 60)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 s").arg(s);
}
} // namespace

TrainingController::TrainingController(MainWindow *window)
    : QObject(window)
    , m_window(window)
{
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<TrainingResult>();
    m_panel = new TrainingPanel(window->editor());
    m_panel->setObjectName(QStringLiteral("trainingPanel"));
    m_panel->setBaseDirectory([window] {
        return window->filePath().isEmpty() ? QString() : QFileInfo(window->filePath()).absolutePath();
    });
    m_plot = new LossPlot;
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    m_panelDock = new QDockWidget(tr("Training"), window);
    m_panelDock->setObjectName(QStringLiteral("trainingDock"));
    m_panelDock->setWidget(m_panel);
    m_plotDock = new QDockWidget(tr("Loss"), window);
    m_plotDock->setObjectName(QStringLiteral("lossDock"));
    m_plotDock->setWidget(m_plot);
    window->addDock(m_panelDock, Qt::RightDockWidgetArea);
    window->addDock(m_plotDock, Qt::BottomDockWidgetArea);
    m_params = new ParameterPlot(window->editor());
    m_params->setObjectName(QStringLiteral("parameterPlot"));
    auto *paramsDock = new QDockWidget(tr("Parameters"), window);
    paramsDock->setObjectName(QStringLiteral("parametersDock"));
    paramsDock->setWidget(m_params);
    window->addDock(paramsDock, Qt::BottomDockWidgetArea, m_plotDock);
    m_evaluation = new EvaluationView;
    m_evaluation->setObjectName(QStringLiteral("evaluationView"));
    m_evaluationDock = new QDockWidget(tr("Evaluation"), window);
    m_evaluationDock->setObjectName(QStringLiteral("evaluationDock"));
    m_evaluationDock->setWidget(m_evaluation);
    window->addDock(m_evaluationDock, Qt::BottomDockWidgetArea, m_plotDock);
    m_plotDock->raise();

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("trainingProgress"));
    m_progress->setMaximumWidth(560);
    m_progress->setMinimumWidth(480);
    m_progress->setTextVisible(true);
    m_progress->hide();
    window->statusBar()->addPermanentWidget(m_progress);

    m_banner = new QLabel(window->canvas());
    m_banner->setObjectName(QStringLiteral("trainingBanner"));
    m_banner->setText(tr("Training: the graph is read-only. Press Stop in the Training panel to edit."));
    m_banner->setAlignment(Qt::AlignCenter);
    m_banner->setStyleSheet(QStringLiteral(
        "background: rgba(255, 230, 150, 235); color: #333; padding: 6px; border-bottom: 1px solid #c9a100;"));
    m_banner->hide();
    window->canvas()->installEventFilter(this);

    QMenu *fileMenu = nullptr;
    for (QAction *a : window->menuBar()->actions())
        if (a->menu() && a->text().remove(QLatin1Char('&')) == tr("File"))
            fileMenu = a->menu();
    if (!fileMenu)
        fileMenu = window->menuBar()->addMenu(tr("&File"));
    QAction *before = nullptr;
    const QList<QAction *> fileActions = fileMenu->actions();
    if (!fileActions.isEmpty())
        before = fileActions.last(); // above Quit
    auto *sep = new QAction(this);
    sep->setSeparator(true);
    m_openPtAct = new QAction(tr("Open Exported Model (.pt)…"), this);
    m_exportAct = new QAction(tr("Export &TorchScript…"), this);
    m_exportAct->setObjectName(QStringLiteral("exportTorchScriptAction"));
    m_exportPythonAct = new QAction(tr("Export &Python…"), this);
    m_exportPythonAct->setObjectName(QStringLiteral("exportPythonAction"));
    m_saveCkptAct = new QAction(tr("Save &Checkpoint…"), this);
    m_saveCkptAct->setObjectName(QStringLiteral("saveCheckpointAction"));
    fileMenu->insertActions(before, {m_openPtAct, m_exportAct, m_exportPythonAct, m_saveCkptAct, sep});
    connect(m_exportPythonAct, &QAction::triggered, this, [this] {
        QString path = QFileDialog::getSaveFileName(m_window, tr("Export Python"),
                                                    m_window->suggestedPath(QStringLiteral("py")),
                                                    tr("Python (*.py)"));
        if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".py");
        QString error;
        if (!path.isEmpty() && !exportPython(path, &error))
            QMessageBox::warning(m_window, tr("Export Failed"), error);
    });
    connect(m_exportAct, &QAction::triggered, this, [this] {
        QString path = QFileDialog::getSaveFileName(m_window, tr("Export TorchScript"),
                                                    m_window->suggestedPath(QStringLiteral("pt")),
                                                    tr("TorchScript (*.pt)"));
        if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".pt");
        QString error;
        if (!path.isEmpty() && !exportTorchScript(path, &error))
            QMessageBox::warning(m_window, tr("Export Failed"), error);
    });
    connect(m_saveCkptAct, &QAction::triggered, this, [this] {
        QString path = QFileDialog::getSaveFileName(m_window, tr("Save Checkpoint"),
                                                    m_window->suggestedPath(QStringLiteral("ckpt")),
                                                    tr("Checkpoint (*.ckpt)"));
        if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".ckpt");
        QString error;
        if (!path.isEmpty() && !saveCheckpoint(path, &error))
            QMessageBox::warning(m_window, tr("Checkpoint Not Saved"), error);
    });
    connect(m_openPtAct, &QAction::triggered, this, [this] {
        if (!m_window->maybeDiscard())
            return;
        const QString path = QFileDialog::getOpenFileName(m_window, tr("Open Exported Model"),
                                                          QFileInfo(m_window->suggestedPath(QStringLiteral("pt"))).absolutePath(),
                                                          tr("TorchScript (*.pt)"));
        QString error;
        if (!path.isEmpty() && !openExported(path, &error))
            QMessageBox::warning(m_window, tr("Cannot Open Model"), error);
    });

    connect(m_panel, &TrainingPanel::startRequested, this, [this] { start(false); });
    connect(m_panel, &TrainingPanel::continueRequested, this, [this] { start(true); });
    connect(m_panel, &TrainingPanel::pauseRequested, this, &TrainingController::pause);
    connect(m_panel, &TrainingPanel::resumeRequested, this, &TrainingController::resume);
    connect(m_panel, &TrainingPanel::stopRequested, this, &TrainingController::stop);
    connect(window, &MainWindow::documentOpened, this, &TrainingController::documentChanged);
    m_workerProgram = LocalLauncher::defaultProgram();
    m_previewTimer = new QTimer(this);
    m_previewTimer->setSingleShot(true);
    m_previewTimer->setInterval(300);
    connect(m_previewTimer, &QTimer::timeout, this, &TrainingController::previewCarryOver);
    connect(window->project(), &Project::changed, this, [this] {
        if (!m_applyingDocument)
            m_lastMatchesGraph = m_last && m_window->project()->types() == m_lastTypes;
        if (m_last && !isRunning())
            m_previewTimer->start();
    });
    window->installEventFilter(this);
    documentChanged();
}

TrainingController::~TrainingController()
{
    if (m_launcher) {
        // No event loop here: the launcher's destructor kills the workers and waits for them.
        m_launcher->disconnect(this);
        delete m_launcher;
        m_launcher = nullptr;
    }
    stopAndWait(5000);
}

QString TrainingController::checkpointPath() const
{
    const QString file = m_window->filePath();
    if (file.isEmpty())
        return {};
    const QFileInfo info(file);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".ckpt"));
}

void TrainingController::documentChanged()
{
    // A run of the document that was open goes to its own end (its weights
    // to its own checkpoint) before anything of the new document is shown.
    if (isRunning() && (!stopAndWait(5000) || isRunning())) {
        m_panel->setStatus(tr("The run of the project that was open before is still stopping."), true);
        return;
    }
    setLast(nullptr);
    delete m_trainer; // it trained the project that was open before
    m_trainer = nullptr;
    m_carryNote.clear();
    m_previewShown = false;
    m_previewTimer->stop();
    // The panel and the plots start again: only this project's runs may show.
    m_plot->clear();
    m_evaluation->clear();
    m_panel->setStatus(QString());
    const QString ckpt = checkpointPath();
    if (!ckpt.isEmpty() && QFileInfo::exists(ckpt)) {
        try {
            auto checkpoint = std::make_unique<Checkpoint>(Checkpoint::load(ckpt));
            QVector<LossPoint> losses(checkpoint->losses.begin(), checkpoint->losses.end());
            m_plot->appendPoints(losses, checkpoint->epochs);
            m_evaluation->appendEpochs(checkpoint->epochs);
            setLast(std::move(checkpoint));
            QString status = tr("Trained weights restored from %1.").arg(QFileInfo(ckpt).fileName());
            if (!m_lastMatchesGraph) {
                // Never silently: the file was saved with another graph than the one it trained.
                QString note;
                currentWeights(&note);
                status += QLatin1Char(' ') + tr("They were trained on another version of this graph.");
                if (!note.isEmpty())
                    status += QLatin1Char(' ') + note;
            }
            m_panel->setStatus(status);
        } catch (const std::exception &e) {
            m_panel->setStatus(tr("The saved weights were not restored: %1").arg(fromException(e)), true);
        }
    }
    m_panel->setCanContinue(m_last != nullptr);
}

bool TrainingController::continuesExactly(const TrainingSettings &settings) const
{
    return m_last && m_lastMatchesGraph &&
           (m_last->optimizerState.isEmpty() || m_last->settings.optimizer == settings.optimizer);
}

Checkpoint TrainingController::resumable(const Trainer &trainer) const
{
    if (!m_last->optimizerState.isEmpty())
        return *m_last;
    // Weights without a run behind them (an opened export): a fresh run's
    // state, optimizer included, with these weights.
    Checkpoint fresh = trainer.checkpoint();
    fresh.tensors = m_last->tensors;
    return fresh;
}

void TrainingController::fail(const QString &message)
{
    m_panel->setStatus(message, true);
    m_window->statusBar()->showMessage(message, 10000);
}

bool TrainingController::start(bool continueRun)
{
    if (isRunning())
        return false;
    m_previewTimer->stop();
    const ProjectData data = m_window->project()->data();
    TrainingSettings settings;
    try {
        settings = TrainingSettings::fromJson(data.training);
    } catch (const std::exception &e) {
        fail(fromException(e));
        return false;
    }
    if (const auto conflict = settings.conflict()) {
        fail(*conflict);
        return false;
    }
    const QString baseDir = m_window->filePath().isEmpty() ? QString() : QFileInfo(m_window->filePath()).absolutePath();
    if (continueRun && !m_last) {
        fail(tr("There are no saved weights to continue from."));
        return false;
    }
    m_resumedAtStep = continueRun ? m_last->step : -1;
    m_runCheckpointPath = checkpointPath();
    m_runTypes = m_window->project()->types();
    if (m_panel->processCount() > 1)
        return startProcesses(continueRun, data, settings, baseDir);

    auto *trainer = new Trainer;
    QString error;
    m_carryNote.clear();
    try {
        const CheckedModel model = CheckedModel::check(data);
        const RunData rows = runData(model, settings, baseDir);
        if (!trainer->setup(model, settings, rows.training, &error)) {
            delete trainer;
            fail(error);
            return false;
        }
        trainer->setTestSet(rows.test);
        if (continueRun) {
            bool restored;
            // The same graph and optimizer continue exactly; otherwise what fits is carried over.
            if (continuesExactly(settings)) {
                restored = trainer->restore(resumable(*trainer), &error);
            } else {
                WeightCarryOver carried;
                restored = trainer->restoreEdited(*m_last, &carried, &error);
                if (restored)
                    m_carryNote = carried.message();
            }
            if (!restored) {
                delete trainer;
                fail(error);
                return false;
            }
        }
    } catch (const std::exception &e) {
        delete trainer;
        fail(fromException(e));
        return false;
    }
    delete m_trainer;
    m_trainer = trainer;
    m_runEpochs = settings.epochs;
    m_runBatchSize = settings.batchSize;
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("trainer"));
    m_trainer->moveToThread(m_thread);
    connect(m_thread, &QThread::started, m_trainer, &Trainer::run);
    connect(m_trainer, &Trainer::progress, this, &TrainingController::onProgress, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::finished, this, &TrainingController::onFinished, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::paused, this, [this] {
        m_panel->setRunState(TrainingPanel::RunState::Paused);
        m_panel->setStatus(tr("Paused in %1.").arg(epochText()));
        showPaused();
    }, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::resumed, this, [this] {
        if (m_panel->runState() == TrainingPanel::RunState::Paused)
            m_panel->setRunState(TrainingPanel::RunState::Running);
        m_panel->setStatus(tr("Training…"));
    }, Qt::QueuedConnection);
    showRunStarted(continueRun);
    m_thread->start();
    Q_EMIT runningChanged(true);
    return true;
}

bool TrainingController::startProcesses(bool continueRun, const ProjectData &data, const TrainingSettings &settings,
                                        const QString &baseDir)
{
    const int processes = m_panel->processCount();
    if (m_workerProgram.isEmpty() || !QFileInfo(m_workerProgram).isExecutable()) {
        fail(tr("Training with %1 processes needs the program modelcomposer-cli, which was not found next to this "
                "application or on the PATH; set Processes to 1 to train in this window.")
                 .arg(processes));
        return false;
    }
    auto runDir = std::make_unique<QTemporaryDir>();
    if (!runDir->isValid()) {
        fail(tr("Cannot make a temporary folder for the workers' checkpoint: %1").arg(runDir->errorString()));
        return false;
    }
    QStringList extra{QStringLiteral("--checkpoint-dir"), runDir->path()};
    m_carryNote.clear();
    if (continueRun) {
        // The workers continue from a checkpoint of the graph as it is now:
        // the last run's state, with its weights carried over after an edit.
        const TrainingSettings local = settings.withAbsolutePaths(baseDir);
        Trainer trainer;
        QString error;
        try {
            const CheckedModel model = CheckedModel::check(data);
            // The rows the workers train on: without the held-out test rows.
            const Dataset dataset = runData(model, local, baseDir).training;
            bool ok = trainer.setup(model, local, dataset, &error);
            if (ok && continuesExactly(settings)) {
                ok = trainer.restore(resumable(trainer), &error);
            } else if (ok) {
                WeightCarryOver carried;
                ok = trainer.restoreEdited(*m_last, &carried, &error);
                if (ok)
                    m_carryNote = carried.message();
            }
            if (!ok) {
                fail(error);
                return false;
            }
            const QString resume = runDir->filePath(QStringLiteral("resume.ckpt"));
            if (!trainer.checkpoint().save(resume, &error)) {
                fail(error);
                return false;
            }
            extra << QStringLiteral("--resume") << resume;
        } catch (const std::exception &e) {
            fail(fromException(e));
            return false;
        }
    }
    auto *launcher = new LocalLauncher(this);
    launcher->setProgram(m_workerProgram);
    launcher->setProcessCount(processes);
    QString error;
    if (!launcher->setProject(data, settings, baseDir, extra, &error)) {
        delete launcher;
        fail(error);
        return false;
    }
    connect(launcher, &LocalLauncher::progress, this, &TrainingController::onProgress);
    connect(launcher, &LocalLauncher::finished, this, &TrainingController::onLauncherFinished);
    connect(launcher, &LocalLauncher::warning, this, [this](const QString &message) {
        m_window->statusBar()->showMessage(message, 10000);
    });
    if (!launcher->start(&error)) {
        delete launcher;
        fail(error);
        return false;
    }
    m_launcher = launcher;
    m_runDir = std::move(runDir);
    m_runCheckpoint = m_runDir->filePath(QStringLiteral("last.ckpt"));
    m_runEpochs = settings.epochs;
    m_runBatchSize = qint64(settings.batchSize) * processes;
    showRunStarted(continueRun);
    m_panel->setStatus(tr("Training with %1 processes…").arg(processes));
    disablePause();
    Q_EMIT runningChanged(true);
    return true;
}

void TrainingController::showRunStarted(bool continueRun)
{
    m_lastEpoch = continueRun && m_last ? m_last->epoch : 0;
    m_lastStep = 0;
    m_lastTotalSteps = 0;
    if (!continueRun)
        m_plot->startRun();
    else
        m_plot->clear();
    m_evaluation->clear(); // the run reports its epochs again (a continued one from the start)
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("Starting…"));
    m_progress->show();
    m_panel->setRunState(TrainingPanel::RunState::Running);
    // Tabbed with Properties (the first start's layout on a smaller screen),
    // the panel comes to the front: its buttons and status are the run's.
    m_panelDock->raise();
    m_plotDock->raise();
    m_panel->setStatus(m_carryNote.isEmpty() ? tr("Training…") : m_carryNote + QLatin1Char('\n') + tr("Training…"));
    if (!m_carryNote.isEmpty())
        m_window->statusBar()->showMessage(m_carryNote, 10000);
    setReadOnly(true);
}

void TrainingController::disablePause()
{
    if (auto *pause = m_panel->findChild<QPushButton *>(QStringLiteral("pauseButton"))) {
        if (m_pauseToolTip.isNull())
            m_pauseToolTip = pause->toolTip();
        pause->setEnabled(false);
        pause->setToolTip(tr("A run of several processes cannot pause: the other processes would time out "
                             "waiting. Stop ends it after the current step and keeps its weights."));
    }
}

void TrainingController::pause()
{
    if (m_thread && m_trainer)
        m_trainer->pause();
}

void TrainingController::resume()
{
    if (m_thread && m_trainer)
        m_trainer->resume();
}

void TrainingController::stop()
{
    if (m_launcher) {
        m_launcher->stop();
        m_panel->setRunState(TrainingPanel::RunState::Stopping);
        m_panel->setStatus(tr("Stopping the workers…"));
        return;
    }
    if (m_thread && m_trainer) {
        m_trainer->stop();
        m_panel->setRunState(TrainingPanel::RunState::Stopping);
        m_panel->setStatus(tr("Stopping…"));
    }
}

bool TrainingController::stopAndWait(int ms)
{
    if (m_launcher) {
        // Ask the workers to stop after their step; kill them if they take too long.
        QEventLoop loop;
        connect(this, &TrainingController::runningChanged, &loop, &QEventLoop::quit);
        QTimer::singleShot(ms, &loop, &QEventLoop::quit);
        m_launcher->stop();
        if (m_launcher)
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        if (m_launcher) {
            m_launcher->kill();
            QEventLoop killed;
            connect(this, &TrainingController::runningChanged, &killed, &QEventLoop::quit);
            QTimer::singleShot(5000, &killed, &QEventLoop::quit);
            if (m_launcher)
                killed.exec(QEventLoop::ExcludeUserInputEvents);
        }
        return m_launcher == nullptr;
    }
    if (!m_thread)
        return true;
    m_trainer->stop();
    m_thread->quit(); // takes effect once run() has returned
    if (!m_thread->wait(ms))
        return false;
    // The finished() report is queued to us: deliver it now.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    if (m_thread) { // finished() never arrived (run() had not started)
        delete m_thread;
        m_thread = nullptr;
        setReadOnly(false);
        m_panel->setRunState(TrainingPanel::RunState::Idle);
        m_progress->hide();
        Q_EMIT runningChanged(false);
    }
    return true;
}

QString TrainingController::epochText() const
{
    // Epochs count from 1 for people, here and in every sentence of a run.
    return tr("epoch %1/%2").arg(m_lastEpoch + 1).arg(m_runEpochs);
}

void TrainingController::showPaused()
{
    // No speed and no time left: nothing runs.
    m_progress->setFormat(tr("paused · %1 · step %2/%3 · %p%").arg(epochText()).arg(m_lastStep).arg(m_lastTotalSteps));
}

void TrainingController::onProgress(const TrainingProgress &p)
{
    m_plot->appendPoints(p.losses, p.epochs);
    m_evaluation->appendEpochs(p.epochs);
    m_lastEpoch = p.epoch;
    m_lastStep = p.step;
    m_lastTotalSteps = p.totalSteps;
    if (p.totalSteps > 0 && m_panel->runState() == TrainingPanel::RunState::Paused) {
        m_progress->setValue(int(1000.0 * double(p.step) / double(p.totalSteps)));
        showPaused();
    } else if (p.totalSteps > 0) {
        m_progress->setValue(int(1000.0 * double(p.step) / double(p.totalSteps)));
        const double stepsPerSecond = m_runBatchSize > 0 ? p.samplesPerSecond / double(m_runBatchSize) : 0;
        const double left = stepsPerSecond > 0 ? double(p.totalSteps - p.step) / stepsPerSecond : -1;
        m_progress->setFormat(tr("%1 · step %2/%3 · %4 samples/s · %5 left · %p%")
                                  .arg(epochText())
                                  .arg(p.step)
                                  .arg(p.totalSteps)
                                  .arg(qRound64(p.samplesPerSecond))
                                  .arg(duration(left)));
    }
}

void TrainingController::onFinished(const TrainingResult &result)
{
    if (!m_thread)
        return;
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    setLast(nullptr);
    try {
        setLast(std::make_unique<Checkpoint>(m_trainer->checkpoint()));
    } catch (const std::exception &e) {
        m_panel->setStatus(fromException(e), true);
    }
    endRun(result);
}

void TrainingController::onLauncherFinished(const TrainingResult &result)
{
    if (!m_launcher)
        return;
    m_launcher->deleteLater();
    m_launcher = nullptr;
    // Rank 0's checkpoint holds the trained weights (written at the end of a
    // run that did not fail, and after epochs); without one the last weights stay.
    QString note;
    if (QFileInfo::exists(m_runCheckpoint)) {
        try {
            auto checkpoint = std::make_unique<Checkpoint>(Checkpoint::load(m_runCheckpoint));
            setLast(std::move(checkpoint));
            delete m_trainer; // export and resume use m_last now
            m_trainer = nullptr;
        } catch (const std::exception &e) {
            note = tr("The workers' weights could not be read: %1").arg(fromException(e));
        }
    } else if (result.ok()) {
        note = tr("The workers wrote no checkpoint, so the trained weights were not kept.");
    }
    m_runDir.reset();
    if (auto *pause = m_panel->findChild<QPushButton *>(QStringLiteral("pauseButton")))
        pause->setToolTip(m_pauseToolTip);
    endRun(result);
    if (!note.isEmpty())
        m_panel->setStatus(m_panel->status() + QLatin1Char('\n') + note, true);
}

void TrainingController::endRun(const TrainingResult &result)
{
    QString text;
    switch (result.outcome) {
    case TrainingResult::Outcome::Completed:
        if (m_resumedAtStep >= 0 && result.steps == m_resumedAtStep)
            text = tr("Nothing to continue: the run had already done its %1 epochs. Raise Epochs to train further.")
                       .arg(m_runEpochs);
        else
            text = tr("Finished %1 epochs (%2 steps); last training loss %3.")
                       .arg(result.epochs).arg(result.steps).arg(result.lastTrainLoss, 0, 'g', 4);
        break;
    case TrainingResult::Outcome::EarlyStopped:
        text = tr("Stopped early after %1 epochs: the validation loss stopped improving.").arg(result.epochs);
        break;
    case TrainingResult::Outcome::Stopped:
        // In the progress bar's own count (the trainer's sentence counts epochs from 0).
        text = m_lastTotalSteps > 0 ? tr("Stopped in %1, after %2 steps.").arg(epochText()).arg(result.steps)
                                    : tr("Stopped after %1 steps.").arg(result.steps);
        break;
    case TrainingResult::Outcome::Failed:
        text = result.message;
        break;
    }
    if (result.keptEpoch >= 0) // the trainer's own sentence, as the command line prints it
        text += QLatin1Char('\n') + result.keptText();
    if (!m_carryNote.isEmpty())
        text = m_carryNote + QLatin1Char('\n') + text;
    m_carryNote.clear();
    if (!result.evaluation.isEmpty()) {
        m_evaluation->setEvaluation(result.evaluation);
        text += QLatin1Char('\n') + tr("Test set: %1").arg(result.evaluation.summary());
        m_evaluationDock->raise(); // the verdict comes to the front
    }
    if (result.ok()) {
        m_panel->setStatus(text);
        m_window->statusBar()->showMessage(text, 10000);
    } else {
        fail(text);
    }
    // The run's own project's checkpoint, even when another document was opened meanwhile.
    const QString ckpt = m_runCheckpointPath;
    m_runCheckpointPath.clear();
    if (m_last && m_lastTypes == m_runTypes && !ckpt.isEmpty()) {
        QString error;
        if (!m_last->save(ckpt, &error))
            m_panel->setStatus(m_panel->status() + QLatin1Char('\n') + error, true);
    }
    m_progress->hide();
    m_panel->setRunState(TrainingPanel::RunState::Idle);
    m_panel->setCanContinue(m_last != nullptr);
    setReadOnly(false);
    Q_EMIT runningChanged(false);
    Q_EMIT runFinished(result.ok(), text);
}

void TrainingController::setLast(std::unique_ptr<Checkpoint> checkpoint)
{
    m_last = std::move(checkpoint);
    m_lastTypes.clear();
    m_lastMatchesGraph = false;
    if (!m_last)
        return;
    try {
        m_lastTypes = ProjectFile::fromJson(m_last->project).types;
        m_lastMatchesGraph = m_lastTypes == m_window->project()->types();
    } catch (const std::exception &) {
    }
}

void TrainingController::previewCarryOver()
{
    if (!m_last || isRunning())
        return;
    QString note;
    if (!m_lastMatchesGraph)
        currentWeights(&note);
    if (!note.isEmpty()) {
        note[0] = note[0].toLower();
        m_panel->setStatus(tr("After this edit: %1").arg(note));
        m_previewShown = true;
    } else if (m_previewShown) {
        // Undone, or edited back: nothing is reset any more.
        m_panel->setStatus(tr("Resume Training keeps the trained weights of every instance."));
        m_previewShown = false;
    }
}

std::vector<std::pair<std::string, at::Tensor>> TrainingController::currentWeights(QString *note) const
{
    if (note)
        note->clear();
    if (!m_last)
        return {};
    try {
        const ProjectData data = m_window->project()->data();
        const CheckedModel model = CheckedModel::check(data); // refused: no weights (caught below)
        TrainingSettings settings;
        try {
            settings = TrainingSettings::fromJson(data.training);
        } catch (...) {
        }
        ComposedModule module = ModelBuilder::build(model, settings.seed);
        if (m_lastMatchesGraph && !m_last->mismatch(*module)) {
            m_last->loadWeights(*module);
        } else {
            const WeightCarryOver carried = m_last->carryWeightsInto(*module, data);
            if (note && !carried.complete())
                *note = carried.message();
        }
        return Checkpoint::namedTensors(*module, true);
    } catch (const std::exception &) {
        return {};
    }
}

void TrainingController::setReadOnly(bool readOnly)
{
    GraphView *view = m_window->canvas()->view();
    view->setInteractive(!readOnly);
    if (readOnly) {
        m_disabledActions.clear();
        QList<QAction *> actions;
        for (QAction *a : m_window->menuBar()->actions())
            if (a->menu() && a->text().remove(QLatin1Char('&')) == tr("Edit"))
                actions = a->menu()->actions();
        for (QWidget *w : {static_cast<QWidget *>(m_window->paletteWidget()),
                           static_cast<QWidget *>(m_window->properties())})
            if (w)
                w->setEnabled(false);
        for (QAction *a : actions)
            if (a->isEnabled() && !a->isSeparator() && !a->menu()) {
                a->setEnabled(false);
                m_disabledActions.append(a);
            }
        m_window->editor()->undoStack()->setActive(false);
        placeBanner();
        m_banner->show();
        m_banner->raise();
    } else {
        for (const QPointer<QAction> &a : qAsConst(m_disabledActions))
            if (a)
                a->setEnabled(true);
        m_disabledActions.clear();
        for (QWidget *w : {static_cast<QWidget *>(m_window->paletteWidget()),
                           static_cast<QWidget *>(m_window->properties())})
            if (w)
                w->setEnabled(true);
        m_window->editor()->undoStack()->setActive(true);
        m_banner->hide();
    }
}

void TrainingController::placeBanner()
{
    QWidget *canvas = m_window->canvas();
    m_banner->setGeometry(0, 0, canvas->width(), m_banner->sizeHint().height());
}

bool TrainingController::eventFilter(QObject *watched, QEvent *event)
{
    // The event type first: as the window is destroyed its children leave
    // with events through this filter, when m_window is only a QWidget and
    // must not be called (UndefinedBehaviorSanitizer in tst_trainingwindow).
    if (event->type() == QEvent::Resize && watched == m_window->canvas())
        placeBanner();
    if (event->type() == QEvent::Close && watched == m_window && isRunning()) {
        const bool stopIt = m_askStop ? m_askStop()
                                      : QMessageBox::question(m_window, tr("Training Is Running"),
                                                              tr("A training run is going on. Stop it and close?"),
                                                              QMessageBox::Yes | QMessageBox::No,
                                                              QMessageBox::No) == QMessageBox::Yes;
        if (!stopIt) {
            event->ignore();
            return true;
        }
        stopAndWait(5000);
    }
    return QObject::eventFilter(watched, event);
}

ComposedModule TrainingController::exportedModule(const CheckedModel &model)
{
    const ProjectData &data = model.project();
    if (m_trainer && !isRunning() && m_lastMatchesGraph && m_trainer->module())
        return m_trainer->module();
    TrainingSettings settings;
    try {
        settings = TrainingSettings::fromJson(data.training);
    } catch (...) {
    }
    ComposedModule module = ModelBuilder::build(model, settings.seed);
    if (m_last && m_lastMatchesGraph && !m_last->mismatch(*module)) {
        m_last->loadWeights(*module);
    } else if (m_last) {
        // After an edit: the trained weights of the instances that still fit.
        const WeightCarryOver carried = m_last->carryWeightsInto(*module, data);
        if (!carried.complete())
            m_window->statusBar()->showMessage(tr("Exported with the trained weights: %1").arg(carried.message()),
                                               10000);
    }
    return module;
}

bool TrainingController::exportPython(const QString &path, QString *error)
{
    const ProjectData data = m_window->project()->data();
    try {
        const CheckedModel model = CheckedModel::check(data);
        ComposedModule module = exportedModule(model);
        if (!PythonExporter::save(model, &module, path, m_window->filePath(), error))
            return false;
        if (m_window->statusBar()->currentMessage().isEmpty() ||
            !m_window->statusBar()->currentMessage().startsWith(tr("Exported with")))
            m_window->statusBar()->showMessage(
                tr("Exported %1 to %2 and its weights to %3")
                    .arg(data.root, QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath()),
                         QFileInfo(PythonExporter::weightsPath(path)).fileName()),
                MainWindow::kReadableStatusMs);
        m_window->rememberFolder(path);
        return true;
    } catch (const std::exception &e) {
        if (error)
            *error = fromException(e);
        return false;
    }
}

bool TrainingController::exportTorchScript(const QString &path, QString *error)
{
    const ProjectData data = m_window->project()->data();
    try {
        const CheckedModel model = CheckedModel::check(data);
        ComposedModule module = exportedModule(model);
        if (!TorchScriptExporter::save(model, module, path, error))
            return false;
        // Long enough to read, unless a sentence about the weights is showing.
        if (m_window->statusBar()->currentMessage().isEmpty() ||
            !m_window->statusBar()->currentMessage().startsWith(tr("Exported with")))
            m_window->statusBar()->showMessage(
                tr("Exported %1 to %2").arg(data.root, QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath())),
                MainWindow::kReadableStatusMs);
        m_window->rememberFolder(path);
        return true;
    } catch (const std::exception &e) {
        if (error)
            *error = fromException(e);
        return false;
    }
}

bool TrainingController::saveCheckpoint(const QString &path, QString *error)
{
    if (!m_last) {
        if (error)
            *error = tr("There are no trained weights yet: train first.");
        return false;
    }
    try {
        return m_last->save(path, error);
    } catch (const std::exception &e) {
        if (error)
            *error = fromException(e);
        return false;
    }
}

bool TrainingController::openExported(const QString &path, QString *error)
{
    if (isRunning()) {
        if (error)
            *error = tr("Stop the training run first.");
        return false;
    }
    ProjectData data;
    std::unique_ptr<Checkpoint> weights;
    try {
        data = TorchScriptExporter::readProject(path);
        weights = exportedWeights(data, path);
    } catch (const std::exception &e) {
        if (error)
            *error = fromException(e);
        return false;
    }
    const QString name = QFileInfo(path).fileName();
    // Untitled (Save asks where), named after the file it came from.
    m_window->showDocument(data, QString(), tr("%1 (exported model)").arg(name));
    setLast(std::move(weights));
    m_panel->setCanContinue(true);
    m_panel->setStatus(tr("The graph and trained weights of %1: Resume Training and Export continue from them.")
                           .arg(name));
    return true;
}

std::unique_ptr<Checkpoint> TrainingController::exportedWeights(const ProjectData &data, const QString &path)
{
    TrainingSettings settings;
    try {
        settings = TrainingSettings::fromJson(data.training);
    } catch (const std::exception &) {
        // The defaults: the weights are what matters here.
    }
    const std::map<std::string, at::Tensor> stored = ExportedWeights::read(path);
    ComposedModule module = ModelBuilder::build(data, settings.seed);
    auto checkpoint = std::make_unique<Checkpoint>();
    checkpoint->project = ProjectFile::toJson(data);
    checkpoint->settings = settings;
    for (const auto &[name, fresh] : Checkpoint::namedTensors(*module, false)) {
        const auto found = stored.find(name);
        if (found == stored.end() || !found->second.sizes().equals(fresh.sizes()))
            throw std::runtime_error(tr("%1 does not hold the weights of its own graph (`%2` is %3).")
                                         .arg(QFileInfo(path).fileName(), QString::fromStdString(name),
                                              found == stored.end() ? tr("missing") : tr("of another shape"))
                                         .toStdString());
        checkpoint->tensors.emplace_back(name, found->second.detach().clone());
    }
    return checkpoint;
}

} // namespace mc
