#include "CsvImportDialog.h"

#include "data/CsvTable.h"
#include "DisconnectChildren.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <new>

namespace mc {

namespace {

const QColor kInputBack(219, 233, 246);
const QColor kTargetBack(253, 227, 200);
const QColor kIgnoredText(150, 150, 150);

/// The outcome of reading the whole file with the chosen columns.
struct CheckOutcome
{
    QString problem;
    qint64 rows = -1;
    std::shared_ptr<const CsvTable> table; ///< Null when the file itself cannot be read.
};

/// Reads the whole file (unless `table` already holds it) and parses the
/// chosen columns with CsvTable's rules. Safe on any thread.
CheckOutcome runCheck(std::shared_ptr<const CsvTable> table, const QString &path, const QList<int> &columns,
                      int classCount)
{
    CheckOutcome out;
    try {
        if (!table)
            table = std::make_shared<const CsvTable>(path);
        out.table = table;
        qint64 rows = 0;
        table->read(columns, classCount, &rows);
        out.rows = rows;
    } catch (const DataError &e) {
        out.problem = e.message();
    } catch (const std::bad_alloc &) {
        out.problem = QCoreApplication::translate("CsvImportDialog", "The data file %1 does not fit in memory.")
                          .arg(QFileInfo(path).fileName());
    } catch (const std::exception &e) {
        out.problem = QString::fromUtf8(e.what());
    }
    return out;
}

/// The first lines of a file: at most `rows` non-blank lines after the header
/// and at most `maxBytes` bytes, cut at a line end.
QByteArray readHead(QFile &file, int rows, qint64 maxBytes)
{
    QByteArray head;
    int nonBlank = 0;
    while (!file.atEnd() && nonBlank <= rows && head.size() < maxBytes) {
        const QByteArray line = file.readLine(maxBytes - head.size() + 1);
        if (line.isEmpty())
            break;
        if (!line.endsWith('\n') && !file.atEnd())
            break; // cut by the byte limit: drop the partial line
        head += line;
        if (!line.trimmed().isEmpty())
            ++nonBlank;
    }
    return head;
}

QString plural(qint64 n, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), n == 1 ? one : many);
}

} // namespace

CsvImportDialog::CsvImportDialog(const QString &baseDir, QWidget *parent)
    : QDialog(parent)
    , m_baseDir(baseDir)
    , m_path(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse…"), this))
    , m_table(new QTableWidget(this))
    , m_inputButton(new QPushButton(tr("Input"), this))
    , m_targetButton(new QPushButton(tr("Target"), this))
    , m_ignoreButton(new QPushButton(tr("Ignore"), this))
    , m_counts(new QLabel(this))
    , m_problemLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("csvImportDialog"));
    setWindowTitle(tr("Import CSV"));
    m_path->setObjectName(QStringLiteral("csvPathEdit"));
    m_path->setPlaceholderText(tr("A CSV file whose first row names the columns"));
    m_browse->setObjectName(QStringLiteral("csvBrowseButton"));
    connect(m_browse, &QPushButton::clicked, this, &CsvImportDialog::browse);
    connect(m_path, &QLineEdit::editingFinished, this, [this] {
        const QString text = m_path->text().trimmed();
        if (resolve(text) != m_absPath)
            setFile(text);
    });
    m_path->installEventFilter(this);

    m_table->setObjectName(QStringLiteral("csvPreviewTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectColumns);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignCenter);
    connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            &CsvImportDialog::headerMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CsvImportDialog::updateState);

    m_inputButton->setObjectName(QStringLiteral("csvInputButton"));
    m_targetButton->setObjectName(QStringLiteral("csvTargetButton"));
    m_ignoreButton->setObjectName(QStringLiteral("csvIgnoreButton"));
    m_inputButton->setToolTip(tr("Use the selected columns as model inputs"));
    m_targetButton->setToolTip(tr("Use the selected columns as targets"));
    m_ignoreButton->setToolTip(tr("Do not read the selected columns"));
    connect(m_inputButton, &QPushButton::clicked, this, [this] { setRole(selectedColumns(), Role::Input); });
    connect(m_targetButton, &QPushButton::clicked, this, [this] { setRole(selectedColumns(), Role::Target); });
    connect(m_ignoreButton, &QPushButton::clicked, this, [this] { setRole(selectedColumns(), Role::Ignore); });

    m_counts->setObjectName(QStringLiteral("csvCountsLabel"));
    m_problemLabel->setObjectName(QStringLiteral("csvProblemLabel"));
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problemLabel->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // The counts' line and two lines of message keep their room while empty,
    // so that the table and the role buttons above them stay where they are
    // as a message comes and goes (a longer message still gets its lines).
    m_counts->setMinimumHeight(fontMetrics().lineSpacing());
    m_problemLabel->setMinimumHeight(2 * fontMetrics().lineSpacing());
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(new QLabel(tr("File"), this));
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(m_browse);
    auto *roleRow = new QHBoxLayout;
    auto *hint = new QLabel(tr("Click column headers (Ctrl or Shift for several), then use them as:"), this);
    hint->setWordWrap(true);
    roleRow->addWidget(hint, 1);
    roleRow->addWidget(m_inputButton);
    roleRow->addWidget(m_targetButton);
    roleRow->addWidget(m_ignoreButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(fileRow);
    layout->addWidget(m_table, 1);
    layout->addLayout(roleRow);
    layout->addWidget(m_counts);
    layout->addWidget(m_problemLabel);
    layout->addWidget(m_buttons);
    resize(960, 600);
    updateState();
}

CsvImportDialog::~CsvImportDialog()
{
    disconnectChildren(this); // the path field has the focus as ~QDialog hides the dialog
}

bool CsvImportDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_path && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            // Load what was typed and stay: the user wants to see the file
            // before accepting it (QDialog would press OK).
            const QString text = m_path->text().trimmed();
            if (resolve(text) != m_absPath)
                setFile(text);
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void CsvImportDialog::setModelShape(int inputFeatures, int targetColumns, int classCount)
{
    m_inputFeatures = std::max(0, inputFeatures);
    m_targetColumns = std::max(0, targetColumns);
    m_classCount = std::max(0, classCount);
    if (!m_absPath.isEmpty())
        check();
}

QString CsvImportDialog::resolve(const QString &path) const
{
    if (path.isEmpty())
        return QString();
    const QString full = m_baseDir.isEmpty() ? path : QDir(m_baseDir).filePath(path);
    return QDir::cleanPath(QFileInfo(full).absoluteFilePath());
}

QString CsvImportDialog::storedPath() const
{
    if (m_absPath.isEmpty() || m_baseDir.isEmpty())
        return m_absPath;
    const QString rel = QDir(m_baseDir).relativeFilePath(m_absPath);
    // A file outside the project's folder keeps its absolute path.
    if (rel.startsWith(QLatin1String("../")) || QDir::isAbsolutePath(rel))
        return m_absPath;
    return rel;
}

void CsvImportDialog::browse()
{
    const QString start = m_absPath.isEmpty() ? m_baseDir : QFileInfo(m_absPath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Training Data"), start,
                                                      tr("CSV files (*.csv);;All files (*)"));
    if (!path.isEmpty())
        setFile(path);
}

void CsvImportDialog::setFile(const QString &path, const QStringList &inputs, const QStringList &targets)
{
    m_absPath = resolve(path.trimmed());
    {
        const QSignalBlocker block(m_path);
        m_path->setText(m_absPath.isEmpty() ? QString() : storedPath());
    }
    loadPreview();
    m_roles = QList<Role>(m_header.size(), Role::Ignore);
    bool named = false;
    for (int c = 0; c < m_header.size(); ++c) {
        if (inputs.contains(m_header.at(c))) {
            m_roles[c] = Role::Input;
            named = true;
        } else if (targets.contains(m_header.at(c))) {
            m_roles[c] = Role::Target;
            named = true;
        }
    }
    if (!named) {
        // As the trainer chooses when no column is named: the last columns are
        // the targets, the first others the inputs.
        const int wantTargets = m_classCount > 0 ? 1 : std::max(1, m_targetColumns);
        int targetsLeft = wantTargets;
        for (int c = int(m_header.size()) - 1; c >= 0 && targetsLeft > 0; --c, --targetsLeft)
            m_roles[c] = Role::Target;
        int inputsLeft = m_inputFeatures > 0 ? m_inputFeatures : int(m_header.size());
        for (int c = 0; c < m_header.size() && inputsLeft > 0; ++c)
            if (m_roles.at(c) == Role::Ignore) {
                m_roles[c] = Role::Input;
                --inputsLeft;
            }
    }
    showRoles();
    check();
}

void CsvImportDialog::loadPreview()
{
    ++m_generation; // results of checks on another file are dropped
    m_checking = false;
    m_checkPending = false;
    m_csv.reset();
    m_fileProblem.clear();
    m_header.clear();
    m_rows = -1;
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    if (m_absPath.isEmpty())
        return;

    QFile file(m_absPath);
    if (!file.exists()) {
        m_fileProblem = tr("The data file %1 does not exist.").arg(m_absPath);
        return;
    }
    if (QFileInfo(m_absPath).isDir() || !file.open(QIODevice::ReadOnly)) {
        m_fileProblem = tr("The data file %1 cannot be read: %2.")
                            .arg(m_absPath, QFileInfo(m_absPath).isDir() ? tr("it is a folder") : file.errorString());
        return;
    }
    const QByteArray head = readHead(file, kPreviewRows, kPreviewBytes);
    if (head.trimmed().isEmpty() && file.size() > head.size()) {
        // Not empty: its header line does not end within the preview's bytes.
        m_fileProblem = tr("%1 line %2: the header line is longer than %3 MiB; a CSV header names the columns, "
                           "separated by commas, on one line.")
                            .arg(QFileInfo(m_absPath).fileName())
                            .arg(head.count('\n') + 1)
                            .arg(kPreviewBytes >> 20);
        return;
    }
    try {
        // The header with the model's rules (names, quotes, UTF-8).
        const CsvTable table(head, m_absPath);
        m_header = table.header();
    } catch (const DataError &e) {
        m_fileProblem = e.message();
        return;
    }

    // The rows after the header, as text, cut or padded to the header's width
    // (the full check names a ragged row).
    QList<QList<QByteArray>> rows;
    bool headerSeen = false;
    for (const QByteArray &raw : head.split('\n')) {
        QByteArray line = raw;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;
        if (!headerSeen) {
            headerSeen = true;
            continue;
        }
        if (rows.size() >= kPreviewRows)
            break;
        rows.append(CsvTable::splitLine(line));
    }
    m_table->setColumnCount(int(m_header.size()));
    m_table->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < m_header.size() && c < rows.at(r).size(); ++c) {
            const QByteArray cell = rows.at(r).at(c).trimmed();
            auto *item = new QTableWidgetItem(QString::fromUtf8(cell));
            bool number = false;
            cell.toDouble(&number);
            item->setTextAlignment(Qt::AlignVCenter | (number ? Qt::AlignRight : Qt::AlignLeft));
            m_table->setItem(r, c, item);
        }
    for (int c = 0; c < m_header.size(); ++c)
        m_table->setHorizontalHeaderItem(c, new QTableWidgetItem(m_header.at(c) + QStringLiteral("\nignored")));
    // Narrow numeric columns: as wide as the first rows and the header need, within limits.
    m_table->resizeColumnsToContents();
    for (int c = 0; c < m_header.size(); ++c)
        m_table->setColumnWidth(c, std::clamp(m_table->columnWidth(c), 56, 220));
}

void CsvImportDialog::setRole(const QList<int> &columns, Role role)
{
    bool changed = false;
    for (int c : columns)
        if (c >= 0 && c < m_roles.size() && m_roles.at(c) != role) {
            m_roles[c] = role;
            changed = true;
        }
    if (!changed)
        return;
    showRoles();
    check();
}

void CsvImportDialog::showRoles()
{
    for (int c = 0; c < m_header.size(); ++c) {
        const Role r = m_roles.value(c, Role::Ignore);
        QTableWidgetItem *head = m_table->horizontalHeaderItem(c);
        if (!head)
            continue;
        const QString roleText = r == Role::Input ? tr("input") : r == Role::Target ? tr("target") : tr("ignored");
        head->setText(m_header.at(c) + QLatin1Char('\n') + roleText);
        head->setToolTip(tr("%1: %2 (right-click to change)").arg(m_header.at(c), roleText));
        for (int row = 0; row < m_table->rowCount(); ++row) {
            QTableWidgetItem *item = m_table->item(row, c);
            if (!item)
                continue;
            item->setBackground(r == Role::Input ? QBrush(kInputBack)
                                : r == Role::Target ? QBrush(kTargetBack)
                                                    : QBrush());
            item->setForeground(r == Role::Ignore ? QBrush(kIgnoredText) : QBrush());
        }
    }
}

QStringList CsvImportDialog::names(Role role) const
{
    QStringList out;
    for (int c = 0; c < m_header.size(); ++c)
        if (m_roles.value(c, Role::Ignore) == role)
            out.append(m_header.at(c));
    return out;
}

QList<int> CsvImportDialog::selectedColumns() const
{
    QList<int> columns;
    for (const QModelIndex &index : m_table->selectionModel()->selectedColumns())
        columns.append(index.column());
    if (columns.isEmpty()) // a file without rows: the header's current section
        for (const QModelIndex &index : m_table->selectionModel()->selectedIndexes())
            if (!columns.contains(index.column()))
                columns.append(index.column());
    std::sort(columns.begin(), columns.end());
    return columns;
}

void CsvImportDialog::headerMenu(const QPoint &pos)
{
    const int column = m_table->horizontalHeader()->logicalIndexAt(pos);
    if (column < 0)
        return;
    QList<int> columns = selectedColumns();
    if (!columns.contains(column))
        columns = {column};
    QMenu menu(this);
    const Role current = m_roles.value(column, Role::Ignore);
    for (auto [role, text] : {std::pair{Role::Input, tr("Input")}, std::pair{Role::Target, tr("Target")},
                              std::pair{Role::Ignore, tr("Ignore")}}) {
        QAction *a = menu.addAction(text);
        a->setCheckable(true);
        a->setChecked(role == current);
        connect(a, &QAction::triggered, this, [this, columns, role = role] { setRole(columns, role); });
    }
    menu.exec(m_table->horizontalHeader()->mapToGlobal(pos));
}

void CsvImportDialog::check()
{
    m_problem.clear();
    m_warning.clear();
    if (m_absPath.isEmpty()) {
        updateState();
        return;
    }
    if (!m_fileProblem.isEmpty()) {
        m_problem = m_fileProblem;
        updateState();
        return;
    }
    const QStringList in = inputs();
    const QStringList out = targets();
    if (in.isEmpty() || out.isEmpty()) {
        m_problem = in.isEmpty() ? tr("Choose at least one input column: click its header, then Input.")
                                 : tr("Choose at least one target column: click its header, then Target.");
        m_rows = -1;
        ++m_generation;
        m_checking = false;
        m_checkPending = false;
        updateState();
        return;
    }
    const int wantTargets = m_classCount > 0 ? 1 : m_targetColumns;
    if ((m_inputFeatures > 0 && in.size() != m_inputFeatures) || (wantTargets > 0 && out.size() != wantTargets))
        m_warning = tr("The model takes %1 and %2; %3 and %4 are chosen.")
                        .arg(plural(m_inputFeatures, tr("input"), tr("inputs")),
                             plural(wantTargets, tr("target column"), tr("target columns")),
                             plural(in.size(), tr("input"), tr("inputs")),
                             plural(out.size(), tr("target"), tr("targets")));
    startCheck();
}

void CsvImportDialog::startCheck()
{
    if (m_checking) {
        m_checkPending = true;
        return;
    }
    QList<int> columns;
    for (Role role : {Role::Input, Role::Target})
        for (int c = 0; c < m_roles.size(); ++c)
            if (m_roles.at(c) == role)
                columns.append(c);
    const int classCount = m_classCount > 0 && targets().size() == 1 ? m_classCount : 0;
    const int generation = ++m_generation;
    if (QFileInfo(m_absPath).size() <= kSyncCheckBytes) {
        // A small file is parsed at once (milliseconds).
        const CheckOutcome o = runCheck(m_csv, m_absPath, columns, classCount);
        applyCheck(generation, o.problem, o.rows, o.table);
        return;
    }
    // Large files: parse on a worker thread; the dialog may close meanwhile
    // (the thread then finishes alone and deletes itself).
    m_checking = true;
    m_rows = -1;
    updateState();
    auto outcome = std::make_shared<CheckOutcome>();
    QThread *thread = QThread::create([outcome, table = m_csv, path = m_absPath, columns, classCount] {
        *outcome = runCheck(table, path, columns, classCount);
    });
    thread->setObjectName(QStringLiteral("csvCheck"));
    connect(thread, &QThread::finished, this, [this, generation, outcome] {
        if (generation != m_generation)
            return; // another file or an input-less choice since: dropped
        m_checking = false;
        if (m_checkPending) {
            // The columns changed meanwhile: check those, on the file now in memory.
            m_checkPending = false;
            if (outcome->table)
                m_csv = outcome->table;
            else
                m_fileProblem = outcome->problem;
            check();
            return;
        }
        applyCheck(generation, outcome->problem, outcome->rows, outcome->table);
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
}

void CsvImportDialog::applyCheck(int generation, const QString &problem, qint64 rows,
                                 std::shared_ptr<const CsvTable> table)
{
    if (generation != m_generation)
        return;
    if (!table) {
        // The whole file cannot be read (the preview's part could): not worth
        // reading again for another choice of columns.
        m_fileProblem = problem;
    }
    m_csv = std::move(table);
    if (m_problem.isEmpty())
        m_problem = problem;
    m_rows = problem.isEmpty() ? rows : -1;
    updateState();
}

bool CsvImportDialog::isAcceptable() const
{
    return !m_absPath.isEmpty() && m_problem.isEmpty() && !m_checking && m_rows > 0;
}

void CsvImportDialog::updateState()
{
    const bool hasColumns = !m_header.isEmpty();
    const bool selected = hasColumns && !m_table->selectionModel()->selectedIndexes().isEmpty();
    for (QPushButton *b : {m_inputButton, m_targetButton, m_ignoreButton})
        b->setEnabled(selected);
    if (!hasColumns) {
        m_counts->clear();
    } else {
        const qint64 in = inputs().size();
        const qint64 out = targets().size();
        const QString columns = tr("%1: %2, %3, %4 ignored")
                                    .arg(plural(m_header.size(), tr("column"), tr("columns")),
                                         plural(in, tr("input"), tr("inputs")),
                                         plural(out, tr("target"), tr("targets")))
                                    .arg(m_header.size() - in - out);
        QString rows;
        if (m_checking)
            rows = tr("checking every row…");
        else if (m_rows >= 0)
            rows = plural(m_rows, tr("row"), tr("rows"));
        else
            rows = tr("rows not counted");
        m_counts->setText(tr("%1 · %2 (preview: the first %3)")
                              .arg(columns, rows)
                              .arg(plural(m_table->rowCount(), tr("row"), tr("rows"))));
    }
    if (!m_problem.isEmpty()) {
        m_problemLabel->setText(m_problem);
        m_problemLabel->setStyleSheet(QStringLiteral("color: #c0392b;"));
    } else if (!m_warning.isEmpty()) {
        m_problemLabel->setText(m_warning);
        m_problemLabel->setStyleSheet(QStringLiteral("color: #9a6700;"));
    } else {
        m_problemLabel->clear();
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(isAcceptable());
}

} // namespace mc
