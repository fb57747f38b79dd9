#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

class Checkpoint;
class LossPlot;
class MainWindow;
class ParameterPlot;
class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QThread;
class Trainer;
class TrainingPanel;
struct TrainingProgress;
struct TrainingResult;

/// Runs training for a MainWindow: adds the Training and Loss docks, a
/// progress bar in the status bar and File menu entries (Export TorchScript,
/// Save Checkpoint, Open Exported Model), and runs the Trainer on a worker
/// thread with queued connections. While a run goes on the graph is read-only
/// (a banner on the canvas says so). Closing the window during a run asks,
/// then stops the worker and waits for it. After a run the weights are saved
/// beside the project (PROJECT.ckpt) and can be continued from.
class TrainingController : public QObject
{
    Q_OBJECT
public:
    explicit TrainingController(MainWindow *window);
    ~TrainingController() override;

    TrainingPanel *panel() const { return m_panel; }
    LossPlot *lossPlot() const { return m_plot; }
    ParameterPlot *parameterPlot() const { return m_params; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *banner() const { return m_banner; }
    QAction *exportAction() const { return m_exportAct; }
    QAction *saveCheckpointAction() const { return m_saveCkptAct; }

    bool isRunning() const { return m_thread != nullptr; }
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
    /// Exports the model (trained weights when the last run trained this graph).
    bool exportTorchScript(const QString &path, QString *error = nullptr);
    bool saveCheckpoint(const QString &path, QString *error = nullptr);
    /// Opens the graph stored in an exported `.pt` as an untitled project.
    bool openExported(const QString &path, QString *error = nullptr);

    /// Replaces the question asked when the window closes during a run (tests).
    void setCloseQuestion(std::function<bool()> ask) { m_askStop = std::move(ask); }

Q_SIGNALS:
    void runningChanged(bool running);
    void runFinished(bool ok, const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onProgress(const TrainingProgress &progress);
    void onFinished(const TrainingResult &result);
    void setReadOnly(bool readOnly);
    void placeBanner();
    void documentChanged();
    void fail(const QString &message);

    MainWindow *m_window;
    TrainingPanel *m_panel;
    LossPlot *m_plot;
    ParameterPlot *m_params;
    QDockWidget *m_panelDock;
    QDockWidget *m_plotDock;
    QProgressBar *m_progress;
    QLabel *m_banner;
    QAction *m_exportAct;
    QAction *m_saveCkptAct;
    QAction *m_openPtAct;
    QThread *m_thread = nullptr;
    Trainer *m_trainer = nullptr;        ///< The running or last trainer.
    std::unique_ptr<Checkpoint> m_last;  ///< The last run's state, for export and continuing.
    bool m_lastMatchesGraph = false;
    bool m_applyingDocument = false;
    QList<QPointer<QAction>> m_disabledActions;
    std::function<bool()> m_askStop;
};
