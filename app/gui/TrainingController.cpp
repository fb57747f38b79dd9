#include "TrainingController.h"

#include "CanvasWidget.h"
#include "Checkpoint.h"
#include "CsvReader.h"
#include "Dataset.h"
#include "DocumentEditor.h"
#include "GraphView.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "PaletteWidget.h"
#include "ParameterPlot.h"
#include "PropertiesPanel.h"
#include "ModelBuilder.h"
#include "Project.h"
#include "ProjectFile.h"
#include "TorchScriptExporter.h"
#include "Trainer.h"
#include "TrainingPanel.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QThread>
#include <QUndoStack>

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
    m_panel = new TrainingPanel(window->project());
    m_panel->setObjectName(QStringLiteral("trainingPanel"));
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
    m_saveCkptAct = new QAction(tr("Save &Checkpoint…"), this);
    m_saveCkptAct->setObjectName(QStringLiteral("saveCheckpointAction"));
    fileMenu->insertActions(before, {m_openPtAct, m_exportAct, m_saveCkptAct, sep});
    connect(m_exportAct, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Export TorchScript"), QString(),
                                                          tr("TorchScript (*.pt)"));
        QString error;
        if (!path.isEmpty() && !exportTorchScript(path, &error))
            QMessageBox::warning(m_window, tr("Export Failed"), error);
    });
    connect(m_saveCkptAct, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Save Checkpoint"), checkpointPath(),
                                                          tr("Checkpoint (*.ckpt)"));
        QString error;
        if (!path.isEmpty() && !saveCheckpoint(path, &error))
            QMessageBox::warning(m_window, tr("Checkpoint Not Saved"), error);
    });
    connect(m_openPtAct, &QAction::triggered, this, [this] {
        if (!m_window->maybeDiscard())
            return;
        const QString path = QFileDialog::getOpenFileName(m_window, tr("Open Exported Model"), QString(),
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
    connect(window->project(), &Project::reset, this, &TrainingController::documentChanged);
    connect(window->project(), &Project::changed, this, [this] {
        if (!m_applyingDocument)
            m_lastMatchesGraph = false;
    });
    window->installEventFilter(this);
    documentChanged();
}

TrainingController::~TrainingController()
{
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
    if (isRunning())
        return;
    m_last.reset();
    m_lastMatchesGraph = false;
    const QString ckpt = checkpointPath();
    if (!ckpt.isEmpty() && QFileInfo::exists(ckpt)) {
        try {
            auto checkpoint = std::make_unique<Checkpoint>(Checkpoint::load(ckpt));
            m_lastMatchesGraph = ProjectFile::fromJson(checkpoint->project).types == m_window->project()->data().types;
            m_plot->clear();
            QVector<LossPoint> losses(checkpoint->losses.begin(), checkpoint->losses.end());
            m_plot->appendPoints(losses, checkpoint->epochs);
            m_last = std::move(checkpoint);
            m_panel->setStatus(tr("Trained weights restored from %1.").arg(QFileInfo(ckpt).fileName()));
        } catch (const std::exception &e) {
            m_panel->setStatus(tr("The saved weights were not restored: %1").arg(fromException(e)), true);
        }
    }
    m_panel->setCanContinue(m_last != nullptr);
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
    auto *trainer = new Trainer;
    QString error;
    try {
        const Dataset dataset = Dataset::forProject(data, settings, baseDir);
        if (!trainer->setup(data, settings, dataset, &error)) {
            delete trainer;
            fail(error);
            return false;
        }
        if (continueRun) {
            if (!m_last) {
                delete trainer;
                fail(tr("There are no saved weights to continue from."));
                return false;
            }
            if (!trainer->restore(*m_last, &error)) {
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
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("trainer"));
    m_trainer->moveToThread(m_thread);
    connect(m_thread, &QThread::started, m_trainer, &Trainer::run);
    connect(m_trainer, &Trainer::progress, this, &TrainingController::onProgress, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::finished, this, &TrainingController::onFinished, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::paused, this, [this] {
        m_panel->setRunState(TrainingPanel::RunState::Paused);
        m_panel->setStatus(tr("Paused."));
    }, Qt::QueuedConnection);
    connect(m_trainer, &Trainer::resumed, this, [this] {
        if (m_panel->runState() == TrainingPanel::RunState::Paused)
            m_panel->setRunState(TrainingPanel::RunState::Running);
        m_panel->setStatus(tr("Training…"));
    }, Qt::QueuedConnection);
    if (!continueRun)
        m_plot->startRun();
    else
        m_plot->clear();
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("Starting…"));
    m_progress->show();
    m_panel->setRunState(TrainingPanel::RunState::Running);
    m_panel->setStatus(tr("Training…"));
    setReadOnly(true);
    m_thread->start();
    Q_EMIT runningChanged(true);
    return true;
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
    if (m_thread && m_trainer) {
        m_trainer->stop();
        m_panel->setRunState(TrainingPanel::RunState::Stopping);
        m_panel->setStatus(tr("Stopping…"));
    }
}

bool TrainingController::stopAndWait(int ms)
{
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

void TrainingController::onProgress(const TrainingProgress &p)
{
    m_plot->appendPoints(p.losses, p.epochs);
    if (p.totalSteps > 0) {
        m_progress->setValue(int(1000.0 * double(p.step) / double(p.totalSteps)));
        const qint64 perEpoch = m_trainer ? std::max<qint64>(1, m_trainer->batchesPerEpoch()) : 1;
        const double stepsPerSecond =
            m_trainer && m_trainer->settings().batchSize > 0 ? p.samplesPerSecond / m_trainer->settings().batchSize : 0;
        const double left = stepsPerSecond > 0 ? double(p.totalSteps - p.step) / stepsPerSecond : -1;
        const int epochs = m_trainer ? m_trainer->settings().epochs : 0;
        m_progress->setFormat(tr("epoch %1/%2 · step %3/%4 · %5 samples/s · %6 left · %p%")
                                  .arg(p.epoch + 1)
                                  .arg(epochs)
                                  .arg(p.step - p.epoch * perEpoch > 0 ? p.step : p.step)
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
    m_last.reset();
    try {
        m_last = std::make_unique<Checkpoint>(m_trainer->checkpoint());
        m_lastMatchesGraph = true;
    } catch (const std::exception &e) {
        m_panel->setStatus(fromException(e), true);
    }
    QString text;
    switch (result.outcome) {
    case TrainingResult::Outcome::Completed:
        text = tr("Finished %1 epochs (%2 steps); last training loss %3.")
                   .arg(result.epochs).arg(result.steps).arg(result.lastTrainLoss, 0, 'g', 4);
        break;
    case TrainingResult::Outcome::EarlyStopped:
        text = tr("Stopped early after %1 epochs: the validation loss stopped improving.").arg(result.epochs);
        break;
    case TrainingResult::Outcome::Stopped:
        text = result.message.isEmpty() ? tr("Stopped after %1 steps.").arg(result.steps) : result.message;
        break;
    case TrainingResult::Outcome::Failed:
        text = result.message;
        break;
    }
    if (result.ok()) {
        m_panel->setStatus(text);
        m_window->statusBar()->showMessage(text, 10000);
    } else {
        fail(text);
    }
    const QString ckpt = checkpointPath();
    if (m_last && !ckpt.isEmpty()) {
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
    if (watched == m_window->canvas() && event->type() == QEvent::Resize)
        placeBanner();
    if (watched == m_window && event->type() == QEvent::Close && isRunning()) {
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

bool TrainingController::exportTorchScript(const QString &path, QString *error)
{
    const ProjectData data = m_window->project()->data();
    try {
        ComposedModule module{nullptr};
        if (m_trainer && !isRunning() && m_lastMatchesGraph && m_trainer->module())
            module = m_trainer->module();
        else {
            TrainingSettings settings;
            try {
                settings = TrainingSettings::fromJson(data.training);
            } catch (...) {
            }
            module = ModelBuilder::build(data, settings.seed);
            if (m_last && m_lastMatchesGraph && !m_last->mismatch(*module))
                m_last->loadWeights(*module);
        }
        return TorchScriptExporter::save(data, module, path, error);
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
    try {
        const ProjectData data = TorchScriptExporter::readProject(path);
        m_window->newProject();
        m_window->editor()->resetDocument(data);
        return true;
    } catch (const std::exception &e) {
        if (error)
            *error = fromException(e);
        return false;
    }
}
