#pragma once

#include "training/TrainingSettings.h"

#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace mc {

class CsvImportDialog;
class DocumentEditor;
class Project;

/// The training dock: every training setting as a form, stored in the
/// project's `training` object as it is edited (each change an undoable edit), the data source (a generated
/// set or a CSV file), and Start / Pause / Resume / Stop. The panel only asks
/// for runs (the signals); whoever runs the trainer tells it the state with
/// setRunState().
class TrainingPanel : public QWidget
{
    Q_OBJECT
public:
    /// What the buttons offer.
    enum class RunState { Idle, Running, Paused, Stopping };
    Q_ENUM(RunState)

    /// Edits the settings of `editor`'s project through `editor` (undoable);
    /// `editor` must outlive the panel.
    explicit TrainingPanel(DocumentEditor *editor, QWidget *parent = nullptr);

    /// The settings the form shows (the project's, or the defaults when they do not read).
    TrainingSettings settings() const;
    /// Shows `settings` and stores them in the project.
    void setSettings(const TrainingSettings &settings);
    void setRunState(RunState state);
    RunState runState() const { return m_state; }
    /// A line under the buttons (a run's outcome or an error).
    void setStatus(const QString &text, bool error = false);
    QString status() const;
    /// Whether "Resume training" (continue from saved weights) is offered.
    void setCanContinue(bool can);
    /// Where relative CSV paths are read from and stored against: asked each
    /// time the import dialog opens (the project file's folder; empty when untitled).
    void setBaseDirectory(std::function<QString()> dir) { m_baseDir = std::move(dir); }
    /// Opens the CSV import dialog (window-modal, deletes itself when closed);
    /// on OK the data source becomes that file and its columns, stored in the project.
    CsvImportDialog *importCsv();
    /// Trains on the image folder `folder` (what Choose Image Folder… sets).
    void setImageFolder(const QString &folder);
    /// Local processes to train with (the "Processes" box; 1: in this window's own thread).
    int processCount() const;

Q_SIGNALS:
    void startRequested();
    /// Continue from the checkpoint kept with the project.
    void continueRequested();
    void pauseRequested();
    void resumeRequested();
    void stopRequested();

private:
    void loadFromProject();
    void storeToProject();
    void updateEnabled();
    void showCsvSummary();

    DocumentEditor *m_editor;
    Project *m_project;
    RunState m_state = RunState::Idle;
    bool m_loading = false;
    bool m_canContinue = false;
    QComboBox *m_loss;
    QComboBox *m_optimizer;
    QDoubleSpinBox *m_lr;
    QDoubleSpinBox *m_weightDecay;
    QDoubleSpinBox *m_momentum;
    QCheckBox *m_nesterov;
    QSpinBox *m_batchSize;
    QSpinBox *m_epochs;
    QSpinBox *m_limitBatches;
    QDoubleSpinBox *m_valSplit;
    QSpinBox *m_seed;
    QCheckBox *m_shuffle;
    QDoubleSpinBox *m_clip;
    QSpinBox *m_patience;
    QCheckBox *m_keepBest;
    QComboBox *m_schedule;
    QSpinBox *m_stepSize;
    QDoubleSpinBox *m_gamma;
    QSpinBox *m_threads;
    QSpinBox *m_processes;
    QComboBox *m_dataKind;
    QSpinBox *m_samples;
    QComboBox *m_testSet;
    QDoubleSpinBox *m_testShare;
    QCheckBox *m_testEachEpoch;
    QPushButton *m_importCsv;
    QPushButton *m_chooseFolder;
    QLabel *m_csvSummary;
    QPushButton *m_start;
    QPushButton *m_continue;
    QPushButton *m_pause;
    QPushButton *m_resume;
    QPushButton *m_stop;
    QLabel *m_status;
    TrainingSettings m_extra; ///< Fields the form does not show are kept as they were.
    std::function<QString()> m_baseDir;
};

} // namespace mc
