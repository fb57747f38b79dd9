#include "TrainingPanel.h"

#include "analysis/Analysis.h"
#include "CsvImportDialog.h"
#include "DefaultingSpinBox.h"
#include "DocumentEditor.h"
#include "document/Project.h"
#include "document/ProjectFile.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mc {

TrainingPanel::TrainingPanel(DocumentEditor *editor, QWidget *parent)
    : QWidget(parent)
    , m_editor(editor)
    , m_project(editor ? editor->project() : nullptr)
{
    auto named = [](auto *w, const char *name) {
        w->setObjectName(QLatin1String(name));
        return w;
    };
    m_loss = named(new QComboBox, "lossCombo");
    for (auto l : {TrainingSettings::Loss::Mse, TrainingSettings::Loss::L1, TrainingSettings::Loss::SmoothL1,
                   TrainingSettings::Loss::Bce, TrainingSettings::Loss::BceWithLogits,
                   TrainingSettings::Loss::CrossEntropy, TrainingSettings::Loss::Nll})
        m_loss->addItem(TrainingSettings::lossName(l), int(l));
    m_optimizer = named(new QComboBox, "optimizerCombo");
    for (auto o : {TrainingSettings::Optimizer::Adam, TrainingSettings::Optimizer::AdamW,
                   TrainingSettings::Optimizer::Sgd, TrainingSettings::Optimizer::RmsProp})
        m_optimizer->addItem(TrainingSettings::optimizerName(o), int(o));
    auto dspin = [](const char *name, double lo, double hi, int decimals, double step) {
        auto *s = new DefaultingDoubleSpinBox;
        s->setObjectName(QLatin1String(name));
        s->setRange(lo, hi);
        s->setDecimals(decimals);
        s->setSingleStep(step);
        return s;
    };
    auto ispin = [](const char *name, int lo, int hi, const QString &zeroText = {}) {
        auto *s = new DefaultingIntSpinBox;
        s->setObjectName(QLatin1String(name));
        s->setRange(lo, hi);
        if (!zeroText.isEmpty())
            s->setSpecialValueText(zeroText);
        return s;
    };
    m_lr = dspin("learningRateSpin", 0, 1e3, 8, 0.0001);
    m_weightDecay = dspin("weightDecaySpin", 0, 1e6, 8, 0.0001);
    m_momentum = dspin("momentumSpin", 0, 1, 4, 0.05);
    m_nesterov = named(new QCheckBox(tr("Nesterov")), "nesterovBox");
    m_batchSize = ispin("batchSizeSpin", 1, 1 << 24);
    m_epochs = ispin("epochsSpin", 1, 1 << 24);
    m_limitBatches = ispin("limitBatchesSpin", 0, 1 << 24, tr("all"));
    m_valSplit = dspin("validationSplitSpin", 0, 0.99, 3, 0.05);
    m_seed = ispin("seedSpin", 0, std::numeric_limits<int>::max());
    m_shuffle = named(new QCheckBox(tr("Shuffle every epoch")), "shuffleBox");
    m_clip = dspin("clipSpin", 0, 1e9, 4, 0.1);
    m_clip->setSpecialValueText(tr("off"));
    m_patience = ispin("patienceSpin", 0, 1 << 20, tr("off"));
    m_keepBest = named(new QCheckBox(tr("Keep the best epoch's weights")), "keepBestWeightsBox");
    m_keepBest->setToolTip(tr("With early stopping, end the run with the weights of its epoch of lowest "
                              "validation loss rather than its last."));
    m_schedule = named(new QComboBox, "scheduleCombo");
    for (auto k : {ScheduleSettings::Kind::None, ScheduleSettings::Kind::Step, ScheduleSettings::Kind::Cosine})
        m_schedule->addItem(TrainingSettings::scheduleName(k), int(k));
    m_stepSize = ispin("stepSizeSpin", 1, 1 << 20);
    m_gamma = dspin("gammaSpin", 0, 10, 4, 0.05);
    m_threads = ispin("threadsSpin", 0, 256, tr("default"));
    m_processes = ispin("processesSpin", 1, 16);
    m_processes->setToolTip(tr("Train with this many local processes (data parallel, each with the batch size "
                               "above) by starting modelcomposer-cli workers; 1 trains in this window. A run of "
                               "several processes cannot pause."));
    m_dataKind = named(new QComboBox, "dataKindCombo");
    for (auto k : {DataSettings::Kind::RandomBinary, DataSettings::Kind::RandomNormal, DataSettings::Kind::Blobs,
                   DataSettings::Kind::Teacher, DataSettings::Kind::Reconstruction, DataSettings::Kind::Csv,
                   DataSettings::Kind::FashionMnist, DataSettings::Kind::Idx, DataSettings::Kind::ImageFolder})
        m_dataKind->addItem(TrainingSettings::dataKindName(k), int(k));
    m_samples = ispin("samplesSpin", 1, 1 << 26);
    m_testSet = named(new QComboBox, "testSetCombo");
    for (auto t : {TestSettings::Source::None, TestSettings::Source::Own, TestSettings::Source::Share,
                   TestSettings::Source::File})
        m_testSet->addItem(TrainingSettings::testSourceName(t), int(t));
    m_testSet->setToolTip(tr("The rows the run is judged on at its end, never trained on: none, the data set's own "
                             "test set (Fashion-MNIST's 10,000 images), a held-out share of the rows, or a second "
                             "file (set in the project file). The Evaluation view shows the verdict."));
    m_testShare = dspin("testShareSpin", 0.01, 0.99, 3, 0.05);
    m_testEachEpoch = named(new QCheckBox(tr("Evaluate after every epoch")), "testEachEpochBox");
    // Each number field's bounds and the sentence that states them are
    // TrainingSettings::range()'s, as the project file's reader has them.
    {
        auto bound = [](QAbstractSpinBox *box, const char *key) {
            const auto range = TrainingSettings::range(QLatin1String(key));
            if (!range)
                return;
            if (auto *i = qobject_cast<QSpinBox *>(box)) {
                const double top = std::min<double>(range->max, std::numeric_limits<int>::max());
                i->setRange(int(range->minOpen ? range->min + 1 : range->min), int(top));
            } else if (auto *f = qobject_cast<QDoubleSpinBox *>(box)) {
                f->setRange(range->minOpen ? range->min + std::pow(10.0, -f->decimals()) : range->min, range->max);
            }
            const QString tip = tr("Takes %1.").arg(range->text());
            box->setToolTip(box->toolTip().isEmpty() ? tip : box->toolTip() + QLatin1Char('\n') + tip);
        };
        bound(m_lr, "learning_rate");
        bound(m_weightDecay, "weight_decay");
        bound(m_momentum, "momentum");
        bound(m_batchSize, "batch_size");
        bound(m_epochs, "epochs");
        bound(m_limitBatches, "limit_train_batches");
        bound(m_valSplit, "validation_split");
        bound(m_seed, "seed");
        bound(m_clip, "gradient_clip_norm");
        bound(m_patience, "early_stopping_patience");
        bound(m_stepSize, "schedule.step_size");
        bound(m_gamma, "schedule.gamma");
        bound(m_threads, "threads");
        bound(m_processes, "processes");
        bound(m_samples, "data.samples");
        bound(m_testShare, "data.test.share");
    }
    // An emptied field means the documented default (TrainingSettings' own), shown.
    {
        const TrainingSettings d;
        auto def = [](QAbstractSpinBox *box, double value) {
            if (auto *i = dynamic_cast<DefaultingIntSpinBox *>(box))
                i->setDefaultValue(int(value));
            else if (auto *f = dynamic_cast<DefaultingDoubleSpinBox *>(box))
                f->setDefaultValue(value);
        };
        def(m_lr, d.learningRate);
        def(m_weightDecay, d.weightDecay);
        def(m_momentum, d.momentum);
        def(m_batchSize, d.batchSize);
        def(m_epochs, d.epochs);
        def(m_limitBatches, d.limitTrainBatches);
        def(m_valSplit, d.validationSplit);
        def(m_seed, double(d.seed));
        def(m_clip, d.gradientClipNorm);
        def(m_patience, d.earlyStoppingPatience);
        def(m_stepSize, d.schedule.stepSize);
        def(m_gamma, d.schedule.gamma);
        def(m_threads, d.threads);
        def(m_processes, d.processes);
        def(m_samples, d.data.samples);
        def(m_testShare, d.data.test.share);
    }
    m_importCsv = named(new QPushButton(tr("Import CSV…")), "importCsvButton");
    m_importCsv->setToolTip(tr("Choose a CSV file and its input and target columns"));
    connect(m_importCsv, &QPushButton::clicked, this, &TrainingPanel::importCsv);
    m_chooseFolder = named(new QPushButton(tr("Choose Image Folder…")), "imageFolderButton");
    m_chooseFolder->setToolTip(tr("A folder with one sub-folder of PNG or JPEG images per class, named as the class"));
    connect(m_chooseFolder, &QPushButton::clicked, this, [this] {
        const QString start = m_extra.data.kind == DataSettings::Kind::ImageFolder && !m_extra.data.path.isEmpty()
                                  ? QDir(m_baseDir ? m_baseDir() : QString()).absoluteFilePath(m_extra.data.path)
                                  : (m_baseDir ? m_baseDir() : QString());
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Image Folder"), start);
        if (!folder.isEmpty())
            setImageFolder(folder);
    });
    m_csvSummary = named(new QLabel, "csvSummaryLabel");
    m_csvSummary->setWordWrap(true);
    m_csvSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *form = new QFormLayout;
    form->addRow(tr("Loss"), m_loss);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Learning rate"), m_lr);
    form->addRow(tr("Weight decay"), m_weightDecay);
    form->addRow(tr("Momentum"), m_momentum);
    form->addRow(QString(), m_nesterov);
    form->addRow(tr("Batch size"), m_batchSize);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batches per epoch"), m_limitBatches);
    form->addRow(tr("Validation split"), m_valSplit);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(QString(), m_shuffle);
    form->addRow(tr("Gradient clipping"), m_clip);
    form->addRow(tr("Early stopping patience"), m_patience);
    form->addRow(QString(), m_keepBest);
    form->addRow(tr("Schedule"), m_schedule);
    form->addRow(tr("Step size"), m_stepSize);
    form->addRow(tr("Gamma"), m_gamma);
    form->addRow(tr("Threads"), m_threads);
    form->addRow(tr("Processes"), m_processes);
    form->addRow(tr("Data"), m_dataKind);
    form->addRow(QString(), m_importCsv);
    form->addRow(QString(), m_chooseFolder);
    form->addRow(tr("Samples"), m_samples);
    form->addRow(tr("CSV file"), m_csvSummary);
    form->addRow(tr("Test set"), m_testSet);
    form->addRow(tr("Test share"), m_testShare);
    form->addRow(QString(), m_testEachEpoch);

    auto *formWidget = new QWidget;
    formWidget->setLayout(form);
    // The dock is narrow: fields may be narrower than their widest value
    // (a seed of ten digits) rather than push the form past the dock's edge.
    for (QAbstractSpinBox *box : formWidget->findChildren<QAbstractSpinBox *>())
        box->setMinimumWidth(72);
    for (QComboBox *combo : formWidget->findChildren<QComboBox *>()) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(6);
    }
    auto *scroll = new QScrollArea;
    scroll->setWidget(formWidget);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    m_start = named(new QPushButton(tr("Start")), "startButton");
    m_continue = named(new QPushButton(tr("Resume Training")), "continueButton");
    m_continue->setToolTip(tr("Continue from the weights saved with the project"));
    m_pause = named(new QPushButton(tr("Pause")), "pauseButton");
    m_resume = named(new QPushButton(tr("Resume")), "resumeButton");
    m_stop = named(new QPushButton(tr("Stop")), "stopButton");
    connect(m_start, &QPushButton::clicked, this, &TrainingPanel::startRequested);
    connect(m_continue, &QPushButton::clicked, this, &TrainingPanel::continueRequested);
    connect(m_pause, &QPushButton::clicked, this, &TrainingPanel::pauseRequested);
    connect(m_resume, &QPushButton::clicked, this, &TrainingPanel::resumeRequested);
    connect(m_stop, &QPushButton::clicked, this, &TrainingPanel::stopRequested);
    auto *buttons = new QGridLayout;
    buttons->addWidget(m_start, 0, 0);
    buttons->addWidget(m_continue, 0, 1);
    buttons->addWidget(m_pause, 1, 0);
    buttons->addWidget(m_resume, 1, 1);
    buttons->addWidget(m_stop, 2, 0, 1, 2);
    m_status = named(new QLabel, "trainingStatusLabel");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_status);

    // Every edit goes to the project at once.
    for (QComboBox *c : {m_loss, m_optimizer, m_schedule, m_dataKind, m_testSet})
        connect(c, &QComboBox::currentIndexChanged, this, &TrainingPanel::storeToProject);
    connect(m_lr, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (!m_loading)
            m_extra.learningRate = v;
    });
    for (QDoubleSpinBox *s : {m_lr, m_weightDecay, m_momentum, m_valSplit, m_clip, m_gamma, m_testShare})
        connect(s, &QDoubleSpinBox::valueChanged, this, &TrainingPanel::storeToProject);
    for (QSpinBox *s : {m_batchSize, m_epochs, m_limitBatches, m_seed, m_patience, m_stepSize, m_threads, m_processes, m_samples})
        connect(s, &QSpinBox::valueChanged, this, &TrainingPanel::storeToProject);
    for (QCheckBox *b : {m_nesterov, m_shuffle, m_keepBest, m_testEachEpoch})
        connect(b, &QCheckBox::toggled, this, &TrainingPanel::storeToProject);
    if (m_project)
        connect(m_project, &Project::trainingChanged, this, &TrainingPanel::loadFromProject);
    if (m_project)
        connect(m_project, &Project::reset, this, &TrainingPanel::loadFromProject);
    loadFromProject();
    updateEnabled();
}

TrainingSettings TrainingPanel::settings() const
{
    TrainingSettings s = m_extra;
    s.loss = TrainingSettings::Loss(m_loss->currentData().toInt());
    s.optimizer = TrainingSettings::Optimizer(m_optimizer->currentData().toInt());
    s.learningRate = m_extra.learningRate; // the spin box rounds very large and very small rates
    s.weightDecay = m_weightDecay->value();
    s.momentum = m_momentum->value();
    s.nesterov = m_nesterov->isChecked();
    s.batchSize = m_batchSize->value();
    s.epochs = m_epochs->value();
    s.limitTrainBatches = m_limitBatches->value();
    s.validationSplit = m_valSplit->value();
    s.seed = uint64_t(m_seed->value());
    s.shuffle = m_shuffle->isChecked();
    s.gradientClipNorm = m_clip->value();
    s.earlyStoppingPatience = m_patience->value();
    s.keepBestWeights = m_keepBest->isChecked();
    s.schedule.kind = ScheduleSettings::Kind(m_schedule->currentData().toInt());
    s.schedule.stepSize = m_stepSize->value();
    s.schedule.gamma = m_gamma->value();
    s.threads = m_threads->value();
    s.processes = m_processes->value();
    s.data.kind = DataSettings::Kind(m_dataKind->currentData().toInt());
    s.data.samples = m_samples->value();
    // path, inputs and targets: as m_extra has them (set by the import
    // dialog). A path belongs to the kind it was given for: a CSV file is no
    // Fashion-MNIST folder.
    auto readsPath = [](DataSettings::Kind k) {
        return DataSettings::readsFiles(k);
    };
    if (s.data.kind != m_extra.data.kind && readsPath(s.data.kind)) {
        s.data.path.clear();
        s.data.labels.clear();
    }
    // The test set; its file (path, labels) as m_extra has it. A source the
    // kind cannot have (an own test set of a CSV, a file of generated data)
    // becomes none, which the combo then shows.
    s.data.test.source = TestSettings::Source(m_testSet->currentData().toInt());
    if ((s.data.test.source == TestSettings::Source::Own && !DataSettings::hasOwnTestSet(s.data.kind)) ||
        (s.data.test.source == TestSettings::Source::File &&
         (!DataSettings::readsFiles(s.data.kind) || s.data.test.path.isEmpty() ||
          (s.data.kind != DataSettings::Kind::Csv && s.data.test.labels.isEmpty()))))
        s.data.test.source = TestSettings::Source::None;
    s.data.test.share = m_testShare->value();
    s.data.test.eachEpoch = m_testEachEpoch->isChecked();
    return s;
}

void TrainingPanel::setSettings(const TrainingSettings &s)
{
    m_loading = true;
    m_extra = s;
    auto select = [](QComboBox *c, int v) { c->setCurrentIndex(std::max(0, c->findData(v))); };
    select(m_loss, int(s.loss));
    select(m_optimizer, int(s.optimizer));
    m_lr->setValue(s.learningRate);
    m_weightDecay->setValue(s.weightDecay);
    m_momentum->setValue(s.momentum);
    m_nesterov->setChecked(s.nesterov);
    m_batchSize->setValue(s.batchSize);
    m_epochs->setValue(s.epochs);
    m_limitBatches->setValue(s.limitTrainBatches);
    m_valSplit->setValue(s.validationSplit);
    m_seed->setValue(int(std::min<uint64_t>(s.seed, uint64_t(std::numeric_limits<int>::max()))));
    m_shuffle->setChecked(s.shuffle);
    m_clip->setValue(s.gradientClipNorm);
    m_patience->setValue(s.earlyStoppingPatience);
    m_keepBest->setChecked(s.keepBestWeights);
    select(m_schedule, int(s.schedule.kind));
    m_stepSize->setValue(s.schedule.stepSize);
    m_gamma->setValue(s.schedule.gamma);
    m_threads->setValue(s.threads);
    m_processes->setValue(s.processes);
    select(m_dataKind, int(s.data.kind));
    m_samples->setValue(s.data.samples);
    select(m_testSet, int(s.data.test.source));
    m_testShare->setValue(s.data.test.share);
    m_testEachEpoch->setChecked(s.data.test.eachEpoch);
    showCsvSummary();
    m_loading = false;
    storeToProject();
}

void TrainingPanel::loadFromProject()
{
    if (m_loading || !m_project)
        return;
    TrainingSettings s;
    try {
        s = TrainingSettings::fromJson(m_project->training());
    } catch (const std::exception &e) {
        setStatus(QString::fromUtf8(e.what()), true);
    }
    m_loading = true;
    const TrainingSettings current = settings();
    m_loading = false;
    if (current == s && m_extra == s)
        return;
    // Show without writing back (the project already has them).
    const bool wasLoading = m_loading;
    m_loading = true;
    setSettings(s);
    m_loading = wasLoading;
    updateEnabled();
}

void TrainingPanel::storeToProject()
{
    if (m_loading)
        return;
    updateEnabled();
    if (!m_project)
        return;
    const TrainingSettings current = settings();
    if (m_testSet->currentData().toInt() != int(current.data.test.source)) {
        // A test set the data kind cannot have became none: say so in the combo.
        const QSignalBlocker block(m_testSet);
        m_testSet->setCurrentIndex(m_testSet->findData(int(current.data.test.source)));
        updateEnabled();
    }
    try {
        // The same settings spelled otherwise (defaults left out) are no edit.
        if (TrainingSettings::fromJson(m_project->training()) == current)
            return;
    } catch (const std::exception &) {
        // Unreadable: the form's settings replace them.
    }
    const QJsonObject json = current.toJson();
    if (json != m_project->training()) {
        // An edit like any other: undoable, and the document is modified.
        m_loading = true;
        if (m_editor)
            m_editor->setTraining(json);
        else
            m_project->setTraining(json);
        m_loading = false;
    }
}

void TrainingPanel::updateEnabled()
{
    const bool idle = m_state == RunState::Idle;
    const bool sgdLike = m_optimizer->currentData().toInt() == int(TrainingSettings::Optimizer::Sgd) ||
                         m_optimizer->currentData().toInt() == int(TrainingSettings::Optimizer::RmsProp);
    const bool csv = m_dataKind->currentData().toInt() == int(DataSettings::Kind::Csv);
    const bool step = m_schedule->currentData().toInt() == int(ScheduleSettings::Kind::Step);
    for (QWidget *w : std::initializer_list<QWidget *>{
             m_loss, m_optimizer, m_lr, m_weightDecay, m_batchSize, m_epochs, m_limitBatches, m_valSplit,
             m_seed, m_shuffle, m_clip, m_patience, m_schedule, m_threads, m_processes, m_dataKind})
        w->setEnabled(idle);
    m_momentum->setEnabled(idle && sgdLike);
    m_nesterov->setEnabled(idle && m_optimizer->currentData().toInt() == int(TrainingSettings::Optimizer::Sgd));
    m_keepBest->setEnabled(idle && m_patience->value() > 0);
    m_stepSize->setEnabled(idle && step);
    m_gamma->setEnabled(idle && step);
    // Files give as many samples as they hold.
    const int kind = m_dataKind->currentData().toInt();
    const bool generated = !DataSettings::readsFiles(DataSettings::Kind(kind));
    m_chooseFolder->setVisible(kind == int(DataSettings::Kind::ImageFolder));
    m_chooseFolder->setEnabled(idle);
    m_samples->setEnabled(idle && generated);
    // The test set: `own` only where the kind has one, `file` only as the project file names it.
    auto *testItems = qobject_cast<QStandardItemModel *>(m_testSet->model());
    const auto dataKind = DataSettings::Kind(kind);
    if (QStandardItem *own = testItems->item(m_testSet->findData(int(TestSettings::Source::Own))))
        own->setEnabled(DataSettings::hasOwnTestSet(dataKind));
    if (QStandardItem *file = testItems->item(m_testSet->findData(int(TestSettings::Source::File))))
        file->setEnabled(DataSettings::readsFiles(dataKind) && !m_extra.data.test.path.isEmpty());
    const auto test = TestSettings::Source(m_testSet->currentData().toInt());
    m_testSet->setEnabled(idle);
    m_testShare->setEnabled(idle && test == TestSettings::Source::Share);
    m_testEachEpoch->setEnabled(idle && test != TestSettings::Source::None);
    m_importCsv->setEnabled(idle);
    m_csvSummary->setEnabled(csv);
    m_start->setEnabled(idle);
    m_continue->setEnabled(idle && m_canContinue);
    m_pause->setEnabled(m_state == RunState::Running);
    m_resume->setEnabled(m_state == RunState::Paused);
    m_stop->setEnabled(m_state == RunState::Running || m_state == RunState::Paused);
}

int TrainingPanel::processCount() const
{
    return m_processes->value();
}

void TrainingPanel::setRunState(RunState state)
{
    m_state = state;
    updateEnabled();
}

void TrainingPanel::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
}

QString TrainingPanel::status() const { return m_status->text(); }

void TrainingPanel::setCanContinue(bool can)
{
    m_canContinue = can;
    updateEnabled();
}

void TrainingPanel::showCsvSummary()
{
    const DataSettings &d = m_extra.data;
    if (d.path.isEmpty()) {
        m_csvSummary->setText(tr("None chosen: press Import CSV…"));
        return;
    }
    auto names = [this](const QStringList &list, const QString &none) {
        return list.isEmpty() ? none : list.join(QStringLiteral(", "));
    };
    m_csvSummary->setText(tr("%1\ninputs: %2\ntargets: %3")
                              .arg(d.path, names(d.inputs, tr("the first columns")),
                                   names(d.targets, tr("the last columns"))));
}

void TrainingPanel::setImageFolder(const QString &folder)
{
    // Stored relative to the project file's folder, as a CSV file's path is.
    const QString base = m_baseDir ? m_baseDir() : QString();
    m_extra.data.path = base.isEmpty() ? folder : QDir(base).relativeFilePath(folder);
    m_extra.data.labels.clear();
    m_extra.data.kind = DataSettings::Kind::ImageFolder;
    {
        const QSignalBlocker block(m_dataKind);
        m_dataKind->setCurrentIndex(std::max(0, m_dataKind->findData(int(DataSettings::Kind::ImageFolder))));
    }
    storeToProject();
}

CsvImportDialog *TrainingPanel::importCsv()
{
    auto *dialog = new CsvImportDialog(m_baseDir ? m_baseDir() : QString(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_project) {
        // What the model takes, for the default columns and the check.
        const TrainingSettings s = settings();
        const Analysis analysis(m_project->data());
        const auto root = analysis.root();
        if (root && root->inputs.size() == 1 && root->outputs.size() == 1) {
            // Columns fill the input's shape in row-major order ([1, 28, 28]: 784 columns).
            const int inputs = int(root->inputs.first().elements().value_or(-1));
            const int outputs = int(root->outputs.first().elements().value_or(-1));
            dialog->setModelShape(inputs, s.classTargets() ? 1 : outputs, s.classTargets() ? outputs : 0);
        }
    }
    if (!m_extra.data.path.isEmpty())
        dialog->setFile(m_extra.data.path, m_extra.data.inputs, m_extra.data.targets);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_extra.data.path = dialog->storedPath();
        m_extra.data.inputs = dialog->inputs();
        m_extra.data.targets = dialog->targets();
        m_extra.data.kind = DataSettings::Kind::Csv;
        {
            const QSignalBlocker block(m_dataKind);
            m_dataKind->setCurrentIndex(std::max(0, m_dataKind->findData(int(DataSettings::Kind::Csv))));
        }
        showCsvSummary();
        storeToProject();
    });
    dialog->open();
    return dialog;
}

} // namespace mc
