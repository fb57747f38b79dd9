#pragma once

#include <QDialog>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace mc {

class CsvTable;

/// Chooses a CSV file and its input and target columns for training. The
/// dialog previews the first rows (header as column titles), lets the user
/// mark columns as input, target or ignored (select columns by clicking their
/// headers, then press a role button, or right-click a header), counts rows and
/// columns, and checks the whole file with the model's CSV reader (CsvTable):
/// when the file cannot be used its sentence (line and column) is shown and OK
/// is disabled.
///
/// Cost: the preview reads at most kPreviewRows rows (and at most
/// kPreviewBytes bytes) from the start of the file. The full check reads the
/// whole file once and keeps it in memory while the dialog is open; files
/// above kSyncCheckBytes are checked on a worker thread so that the window
/// stays responsive (OK waits for the check).
class CsvImportDialog : public QDialog
{
    Q_OBJECT
public:
    /// What a column is used for.
    enum class Role {
        Ignore, ///< Not read.
        Input,  ///< A model input, in file order.
        Target, ///< A target, in file order.
    };
    Q_ENUM(Role)

    /// Rows shown in the preview.
    static constexpr int kPreviewRows = 100;
    /// Bytes read at most for the preview.
    static constexpr qint64 kPreviewBytes = 4 * 1024 * 1024;
    /// Files up to this size are checked at once; larger ones on a worker thread.
    static constexpr qint64 kSyncCheckBytes = 4 * 1024 * 1024;

    /// `baseDir` is the project file's folder (empty for an untitled project):
    /// relative paths are read against it and files under it are returned
    /// relative to it.
    explicit CsvImportDialog(const QString &baseDir, QWidget *parent = nullptr);
    ~CsvImportDialog() override;

    /// What the model expects: its input features and target columns (0 when
    /// unknown), and the class count when the targets are class indices (0 for
    /// values). Used for the default choice of columns, the check and a warning.
    void setModelShape(int inputFeatures, int targetColumns, int classCount);

    /// Opens `path` (absolute or relative to the base folder); `inputs` and
    /// `targets` name the chosen columns (both empty: a default choice).
    void setFile(const QString &path, const QStringList &inputs = {}, const QStringList &targets = {});

    /// The path to store: relative to the base folder when the file is under it.
    QString storedPath() const;
    /// The absolute path of the file shown (empty when none).
    QString absolutePath() const { return m_absPath; }
    QStringList header() const { return m_header; }
    /// Chosen column names in file order.
    QStringList inputs() const { return names(Role::Input); }
    QStringList targets() const { return names(Role::Target); }
    Role role(int column) const { return m_roles.value(column, Role::Ignore); }
    /// Gives the columns `columns` the role `role`.
    void setRole(const QList<int> &columns, Role role);

    /// Why the file or the choice cannot be used (empty when it can).
    QString problem() const { return m_problem; }
    /// A remark that does not block (e.g. the model wants another column count).
    QString warning() const { return m_warning; }
    /// Rows of data found by the full check (-1 while unknown).
    qint64 rowCount() const { return m_rows; }
    /// Whether the full check is still running on a worker thread.
    bool isChecking() const { return m_checking; }
    bool isAcceptable() const;

    QTableWidget *previewTable() const { return m_table; }

protected:
    /// Return in the path field loads that file; it does not press OK.
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void browse();
    void loadPreview();
    void showRoles();
    void check();
    void startCheck();
    void applyCheck(int generation, const QString &problem, qint64 rows, std::shared_ptr<const CsvTable> table);
    void updateState();
    void headerMenu(const QPoint &pos);
    QList<int> selectedColumns() const;
    QStringList names(Role role) const;
    QString resolve(const QString &path) const;

    QString m_baseDir;
    int m_inputFeatures = 0;
    int m_targetColumns = 0;
    int m_classCount = 0;
    QString m_absPath;
    QStringList m_header;
    QList<Role> m_roles;
    QString m_fileProblem;                 ///< The file itself cannot be read (does not depend on columns).
    QString m_problem;
    QString m_warning;
    qint64 m_rows = -1;
    bool m_checking = false;
    bool m_checkPending = false;           ///< Columns changed while a check ran: check again after it.
    int m_generation = 0;                  ///< Results of older checks are dropped.
    std::shared_ptr<const CsvTable> m_csv; ///< The whole file once read, reused when columns change.

    QLineEdit *m_path;
    QPushButton *m_browse;
    QTableWidget *m_table;
    QPushButton *m_inputButton;
    QPushButton *m_targetButton;
    QPushButton *m_ignoreButton;
    QLabel *m_counts;
    QLabel *m_problemLabel;
    QDialogButtonBox *m_buttons;
};

} // namespace mc
