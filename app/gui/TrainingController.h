#pragma once

#include "document/GraphTypes.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}
class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTemporaryDir;
class QThread;
class QTimer;

namespace mc {

class CheckedModel;
class Checkpoint;
class ComposedModule;
class LocalLauncher;
class LossPlot;
class MainWindow;
class ParameterPlot;
class EvaluationView;
class Trainer;
class TrainingPanel;
struct ProjectData;
struct TrainingProgress;
struct TrainingSettings;
struct TrainingResult;
struct WeightCarryOver;

/// Runs training for a MainWindow: adds the Training and Loss docks, a
/// progress bar in the status bar and File menu entries (Export TorchScript,
/// Save Checkpoint, Open Exported Model), and runs the Trainer on a worker
/// thread with queued connections. While a run goes on the graph is read-only
/// (a banner on the canvas says so). Closing the window during a run asks,
/// then stops the worker and waits for it. After a run the weights are saved
/// beside the project (PROJECT.ckpt) and can be continued from; after an
/// edit, Resume Training and Export keep the trained weights of every instance
/// whose sizes still fit (the others start fresh, and the panel says which).
///
/// With Processes > 1 in the panel, Start launches that many
/// `modelcomposer-cli train` workers through a LocalLauncher instead (data
/// parallel), follows rank 0's progress in the same plots, and takes the
/// trained weights from rank 0's checkpoint when they end. Such a run cannot
/// pause.
class TrainingController : public QObject
{
    Q_OBJECT
public:
    explicit TrainingController(MainWindow *window);
    ~TrainingController() override;

    TrainingPanel *panel() const { return m_panel; }
    LossPlot *lossPlot() const { return m_plot; }
    ParameterPlot *parameterPlot() const { return m_params; }
    EvaluationView *evaluationView() const { return m_evaluation; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *banner() const { return m_banner; }
    QAction *exportAction() const { return m_exportAct; }
    QAction *saveCheckpointAction() const { return m_saveCkptAct; }

    bool isRunning() const { return m_thread != nullptr || m_launcher != nullptr; }
    /// Whether the run going on is a multi-process one.
    bool isMultiProcessRun() const { return m_launcher != nullptr; }
    /// The running multi-process launcher (null when none).
    LocalLauncher *launcher() const { return m_launcher; }
    /// The worker executable for multi-process runs (default:
    /// LocalLauncher::defaultProgram(); empty when none was found).
    void setWorkerProgram(const QString &program) { m_workerProgram = program; }
    QString workerProgram() const { return m_workerProgram; }
    /// Starts a run with the project's settings (continuing from the saved
    /// checkpoint when `continueRun`); false with the reason shown in the panel.
    bool start(bool continueRun = false);
    void pause();
    void resume();
    void stop();
    /// Stops a run and waits for the worker at most `ms` milliseconds.
    bool stopAndWait(int ms = 2000);

    /// PROJECT.ckpt beside the open project file (empty when untitled).
    QString checkpointPath() const;
    /// The last run's state (its weights, for the graph it trained), or null.
    const Checkpoint *lastCheckpoint() const { return m_last.get(); }
    /// The trained weights carried over to the graph as it is now (an
    /// instance whose sizes changed keeps fresh weights from the seed), by
    /// name; empty when there are none. `note` gets the sentence saying what
    /// was kept and reset (empty when the graph is the trained one).
    std::vector<std::pair<std::string, at::Tensor>> currentWeights(QString *note = nullptr) const;
    /// Exports the model (trained weights for the instances that still fit).
    bool exportTorchScript(const QString &path, QString *error = nullptr);
    /// Exports the model as Python source with its weights beside it
    /// (PythonExporter; the same weights as exportTorchScript).
    bool exportPython(const QString &path, QString *error = nullptr);
    bool saveCheckpoint(const QString &path, QString *error = nullptr);
    /// Opens the graph stored in an exported `.pt` as an untitled project named
    /// after the file, with the file's weights as the last run's (Resume
    /// Training and Export continue from them).
    bool openExported(const QString &path, QString *error = nullptr);

    /// Replaces the question asked when the window closes during a run (tests).
    void setCloseQuestion(std::function<bool()> ask) { m_askStop = std::move(ask); }

Q_SIGNALS:
    void runningChanged(bool running);
    void runFinished(bool ok, const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    /// The module both exports write: the trained one, or one built from the
    /// seed with the last run's weights where they still fit.
    ComposedModule exportedModule(const CheckedModel &model);
    void onProgress(const TrainingProgress &progress);
    void onFinished(const TrainingResult &result);
    void onLauncherFinished(const TrainingResult &result);
    /// What both kinds of run do at their end, after m_last is set.
    void endRun(const TrainingResult &result);
    bool startProcesses(bool continueRun, const ProjectData &data, const TrainingSettings &settings,
                        const QString &baseDir);
    void showRunStarted(bool continueRun);
    void disablePause();
    /// "epoch 69/200": the epoch running, counted from 1, as every text of a run says it.
    QString epochText() const;
    /// The progress bar of a paused run.
    void showPaused();
    void previewCarryOver();
    /// Keeps `checkpoint` as the last run's state (null: none).
    void setLast(std::unique_ptr<Checkpoint> checkpoint);
    void setReadOnly(bool readOnly);
    /// Whether resuming with `settings` continues the last run as it was
    /// (same graph, same optimizer) rather than carrying its weights over.
    bool continuesExactly(const TrainingSettings &settings) const;
    /// The last run's state to restore into `trainer` (set up for the same graph).
    Checkpoint resumable(const Trainer &trainer) const;
    /// The weights stored in the export `path` of `data`, as a checkpoint
    /// without optimizer state or history. Throws std::exception with a sentence.
    static std::unique_ptr<Checkpoint> exportedWeights(const ProjectData &data, const QString &path);
    void placeBanner();
    void documentChanged();
    void fail(const QString &message);

    MainWindow *m_window;
    TrainingPanel *m_panel;
    LossPlot *m_plot;
    EvaluationView *m_evaluation = nullptr;
    QDockWidget *m_evaluationDock = nullptr;
    ParameterPlot *m_params;
    QDockWidget *m_panelDock;
    QDockWidget *m_plotDock;
    QProgressBar *m_progress;
    QLabel *m_banner;
    QAction *m_exportAct;
    QAction *m_exportPythonAct;
    QAction *m_saveCkptAct;
    QAction *m_openPtAct;
    QThread *m_thread = nullptr;
    Trainer *m_trainer = nullptr;        ///< The running or last trainer.
    std::unique_ptr<Checkpoint> m_last;  ///< The last run's state, for export and continuing.
    bool m_lastMatchesGraph = false;      ///< The graph is the one m_last trained.
    QList<ModuleType> m_lastTypes;        ///< The module types of m_last's project.
    bool m_previewShown = false;
    LocalLauncher *m_launcher = nullptr;      ///< The multi-process run going on.
    std::unique_ptr<QTemporaryDir> m_runDir;  ///< Its checkpoint folder.
    QString m_workerProgram;
    QString m_runCheckpoint;                  ///< Rank 0's checkpoint file.
    QString m_runCheckpointPath;              ///< Where the run's project keeps its checkpoint.
    QList<ModuleType> m_runTypes;             ///< The module types the run trains.
    QString m_carryNote;                      ///< What a resume after an edit kept and reset.
    QString m_pauseToolTip;
    int m_runEpochs = 0;
    qint32 m_lastEpoch = 0;      ///< The last progress report's epoch (from 0).
    qint64 m_lastStep = 0;
    qint64 m_lastTotalSteps = 0;
    qint64 m_resumedAtStep = -1;              ///< The step a resumed run started at (-1: a fresh run).
    qint64 m_runBatchSize = 0;
    QTimer *m_previewTimer = nullptr;
    bool m_applyingDocument = false;
    QList<QPointer<QAction>> m_disabledActions;
    std::function<bool()> m_askStop;
};

} // namespace mc
