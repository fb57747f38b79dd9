#pragma once

#include <QDateTime>
#include <QMainWindow>
#include <QPointF>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QDialog;
class QDockWidget;
class QLabel;
class QMenu;
class QTimer;
class QToolBar;

namespace mc {

class Autosave;
class CanvasWidget;
class DocumentEditor;
class PaletteWidget;
class ProblemsPanel;
class Project;
class PropertiesPanel;
class SummaryPanel;
struct ProjectData;

/// The node editor's window: the canvas in the middle, the palette, the
/// properties, the problems and the summary in docks, the menus, the files
/// (new, open, examples, recent, save, autosave) and the settings that
/// persist (geometry, dock layout, recent files, snapping). Later features add
/// their own docks with addDock() and their menus to menuBar().
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `autosaveDirectory` empty: Autosave::defaultDirectory().
    explicit MainWindow(const QString &autosaveDirectory = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    Project *project() const { return m_project; }
    DocumentEditor *editor() const { return m_editor; }
    CanvasWidget *canvas() const { return m_canvas; }
    PaletteWidget *paletteWidget() const { return m_palette; }
    PropertiesPanel *properties() const { return m_properties; }
    ProblemsPanel *problems() const { return m_problems; }
    SummaryPanel *summary() const { return m_summary; }
    Autosave *autosave() const { return m_autosave.get(); }

    /// Adds a dock (for instance training plots): it gets a View menu entry and
    /// its place persists with the others. `objectName` must be set.
    void addDock(QDockWidget *dock, Qt::DockWidgetArea area, QDockWidget *tabifyWith = nullptr);
    /// Shows a dock in front of its tab group, by object name (`summary` or
    /// `summaryDock`); false if there is none.
    bool raiseDock(const QString &name);
    QMenu *viewMenu() const { return m_viewMenu; }
    QToolBar *mainToolBar() const { return m_toolBar; }

    /// How long a status bar sentence stays (milliseconds): long enough to read.
    static constexpr int kReadableStatusMs = 15000;
    /// Where a file written from this project goes by default: the project's
    /// folder (untitled: the folder last used, else home) and the project's
    /// name (an example's or an export's own), with `suffix` (`mcproj`, `pt`).
    QString suggestedPath(const QString &suffix) const;
    /// Remembers the folder of `path` as the one last used (for untitled projects).
    void rememberFolder(const QString &path);

    /// The file being edited (empty: untitled or an example).
    QString filePath() const { return m_filePath; }
    /// Whether there are changes since the last save.
    bool isModified() const;

    /// Opens a project file. On failure the current project is left as it was
    /// and the loader's sentence goes to *error (or a message box if null).
    bool openFile(const QString &path, QString *error = nullptr);
    /// Opens one of the examples as an untitled copy.
    bool openExample(const QString &fileName, QString *error = nullptr);
    /// On the application's first start only: opens the article's first
    /// example (an untitled copy) and says where to go next; false on later
    /// starts, when nothing changes.
    bool welcomeOnFirstStart();
    /// The About box's text: versions (ours, Qt's, LibTorch's), the article
    /// of the examples, the licence.
    static QString aboutText();
    /// Replaces the document with `data`, read from `path` (empty: untitled,
    /// then `displayName` names it in the title), with nothing to undo. Every
    /// way of opening a document ends here, and emits documentOpened() once.
    void showDocument(const ProjectData &data, const QString &path, const QString &displayName = {});
    /// Saves to `path` atomically; on failure *error (or a message box).
    bool saveFile(const QString &path, QString *error = nullptr);
    /// A new project (no question asked; see maybeDiscard()).
    void newProject();
    /// Asks to save unsaved changes; false when the user cancels.
    bool maybeDiscard();
    /// Offers autosaves left by a crash; returns whether one was restored.
    /// `ask` decides for the newest one (default: a question to the user).
    bool offerRecovery(const std::function<bool(const QString &what, const QDateTime &when)> &ask = {});
    /// Writes the autosave now if there are unsaved changes.
    void autosaveNow();
    /// How often unsaved work is autosaved (default: every minute).
    void setAutosaveInterval(int ms);
    int autosaveInterval() const;

    /// Where the examples are: next to the installed program, in the build
    /// tree, or in the source tree it was built from. Empty when not found.
    static QString examplesDirectory();
    /// Where the user guide (the docs/ pages) is: installed beside the
    /// program, or the source tree it was built from. Empty when not found.
    static QString docsDirectory();

Q_SIGNALS:
    /// The document was replaced (new, opened, an example, recovered, imported)
    /// and filePath() already names its file: what belongs to one document
    /// (its checkpoint, its training state) starts again from that file.
    void documentOpened();
    /// The window's first layout after it was shown is done: the saved one
    /// restored (or the first start's), and docks that would cut their fields
    /// widened.
    void layoutSettled();

protected:
    void showEvent(QShowEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    /// Moves and shrinks the window into its screen's available area.
    void keepOnScreen();
    /// The first start's dock sizes, from what their contents ask for.
    void firstLayout();
    /// Widens (or heightens) a dock whose size would cut its fields.
    void fitDocks();
    void createActions();
    void createMenus();
    void createDocks();
    void updateTitle();
    void updateActions();
    void setFilePath(const QString &path, const QString &displayName = {});
    void addRecentFile(const QString &path);
    void rebuildRecentMenu();
    void showStatus(const QString &text);
    void showCanvasMenu(const QPoint &globalPos, const QPointF &scenePos, bool onNode);
    void showTypeMenu(const QString &type, const QPoint &globalPos);
    QString currentType() const;
    /// Selects nodes just made and scrolls the canvas so that they are in sight.
    void showNewNodes(const QList<int> &ids);
    QPointF pastePosition() const;

    // Action handlers.
    void onNew();
    void onOpen();
    bool onSave();
    bool onSaveAs();
    void onCut();
    void onCopy();
    void onPaste();
    void onDelete();
    void onSelectAll();
    void onCallAgain();
    void onMakeModule();
    void onOpenInside();
    void onRename();
    void onToggleFrozen();
    void onNewType();
    void onAddPort(bool input);
    void onProblemActivated(const QString &type, int node);
    void onAbout();
    void onHelp();
    /// "1 node", "2 nodes".
    static QString nodesText(int count);
    /// The nodes on the clipboard, as project JSON (empty: nothing to paste).
    static QByteArray clipboardNodes();

    Project *m_project;
    DocumentEditor *m_editor;
    CanvasWidget *m_canvas;
    PaletteWidget *m_palette = nullptr;
    PropertiesPanel *m_properties = nullptr;
    ProblemsPanel *m_problems = nullptr;
    SummaryPanel *m_summary = nullptr;
    QDockWidget *m_paletteDock = nullptr;
    QDockWidget *m_propertiesDock = nullptr;
    QDockWidget *m_problemsDock = nullptr;
    QDockWidget *m_summaryDock = nullptr;
    QDockWidget *m_historyDock = nullptr;
    std::unique_ptr<Autosave> m_autosave;
    QTimer *m_autosaveTimer;
    QLabel *m_zoomLabel;
    QLabel *m_countsLabel;
    QString m_filePath;
    QString m_displayName;
    bool m_recovered = false;
    bool m_laidOut = false;   ///< The first show's layout is done.
    QByteArray m_savedState;  ///< The dock layout saved at the last close.
    std::optional<QPointF> m_menuScenePos;

    QMenu *m_fileMenu = nullptr;
    QMenu *m_editMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_examplesMenu = nullptr;
    QToolBar *m_toolBar = nullptr;

    QAction *m_newAct = nullptr;
    QAction *m_openAct = nullptr;
    QAction *m_saveAct = nullptr;
    QAction *m_saveAsAct = nullptr;
    QAction *m_quitAct = nullptr;
    QAction *m_undoAct = nullptr;
    QAction *m_redoAct = nullptr;
    QAction *m_cutAct = nullptr;
    QAction *m_copyAct = nullptr;
    QAction *m_pasteAct = nullptr;
    QAction *m_deleteAct = nullptr;
    QAction *m_selectAllAct = nullptr;
    QAction *m_callAgainAct = nullptr;
    QAction *m_makeModuleAct = nullptr;
    QAction *m_openInsideAct = nullptr;
    QAction *m_backAct = nullptr;
    QAction *m_renameAct = nullptr;
    QAction *m_frozenAct = nullptr;
    QAction *m_newTypeAct = nullptr;
    QAction *m_addInputAct = nullptr;
    QAction *m_addOutputAct = nullptr;
    QAction *m_zoomInAct = nullptr;
    QAction *m_zoomOutAct = nullptr;
    QAction *m_zoomResetAct = nullptr;
    QAction *m_fitAct = nullptr;
    QAction *m_arrangeAct = nullptr;
    QAction *m_snapAct = nullptr;
    QAction *m_modelAct = nullptr;
    QAction *m_aboutAct = nullptr;
    QAction *m_helpAct = nullptr;
    QDialog *m_help = nullptr; ///< The user guide, made when first asked for.

};

} // namespace mc
