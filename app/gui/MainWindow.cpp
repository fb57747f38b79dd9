#include "MainWindow.h"

#include "build/LibTorchVersion.h"

#include "Autosave.h"
#include "CanvasMetrics.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "NodeItem.h"
#include "PaletteWidget.h"
#include "ProblemsPanel.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "PropertiesPanel.h"
#include "SummaryPanel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QKeyEvent>
#include <QAbstractSpinBox>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>
#include <QDir>
#include <QDockWidget>
#include <QShowEvent>
#include <QScrollBar>
#include <QScrollArea>
#include <QScreen>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QUndoView>

#include <cmath>

namespace mc {

namespace {

constexpr int kMaxRecent = 8;
constexpr int kAutosaveMs = 60 * 1000;

QString fileFilter()
{
    return QObject::tr("Model Composer projects (*.mcproj);;JSON files (*.json);;All files (*)");
}

} // namespace

MainWindow::MainWindow(const QString &autosaveDirectory, QWidget *parent)
    : QMainWindow(parent), m_project(new Project(this)), m_editor(new DocumentEditor(m_project, this)),
      m_canvas(new CanvasWidget(m_editor, this)), m_autosaveTimer(new QTimer(this)), m_zoomLabel(new QLabel(this)),
      m_countsLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setCentralWidget(m_canvas);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    m_autosave = std::make_unique<Autosave>(autosaveDirectory.isEmpty() ? Autosave::defaultDirectory()
                                                                        : autosaveDirectory);
    createActions();
    createDocks();
    createMenus();

    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_zoomLabel);
    connect(m_canvas->view(), &GraphView::zoomChanged, this,
            [this](double z) { m_zoomLabel->setText(tr("%1 %").arg(qRound(z * 100))); });
    connect(m_canvas->scene(), &GraphScene::statusMessage, this, &MainWindow::showStatus);
    connect(m_canvas->view(), &GraphView::contextMenuRequested, this, &MainWindow::showCanvasMenu);
    connect(m_canvas, &CanvasWidget::currentTypeChanged, this, &MainWindow::updateActions);
    connect(m_canvas->scene(), &QGraphicsScene::selectionChanged, this, &MainWindow::updateActions);
    connect(m_editor->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(m_editor->undoStack(), &QUndoStack::indexChanged, this, &MainWindow::updateTitle);
    connect(m_autosaveTimer, &QTimer::timeout, this, &MainWindow::autosaveNow);
    connect(QApplication::clipboard(), &QClipboard::dataChanged, this, &MainWindow::updateActions);
    // Undo and redo reach the document from a field that has committed (see eventFilter()).
    qApp->installEventFilter(this);
    m_autosaveTimer->start(kAutosaveMs);

    QSettings settings;
    m_snapAct->setChecked(settings.value(QStringLiteral("canvas/snapToGrid"), true).toBool());
    m_canvas->scene()->setSnapToGrid(m_snapAct->isChecked());
    // The right column (Properties, Training) has the window's whole height:
    // their forms are tall, the bottom docks are wide.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1400, 880);
    keepOnScreen();
    // Restored now so that docks added later (addDock) find their places, and
    // again once shown, when every dock exists and the window has its size.
    m_savedState = settings.value(QStringLiteral("window/state")).toByteArray();
    if (!restoreState(m_savedState))
        m_savedState.clear();

    newProject();
}

MainWindow::~MainWindow()
{
    // The children go after the window's own members: the undo stack, cleared
    // as the editor goes, would call updateTitle() on freed strings
    // (ThreadSanitizer saw it in tst_trainingwindow's clean-up).
    disconnect(m_editor->undoStack(), nullptr, this, nullptr);
}

// --- building the window ----------------------------------------------------------------

void MainWindow::createActions()
{
    QStyle *s = style();
    auto make = [this](const QString &text, QKeySequence::StandardKey key, const QIcon &icon = {}) {
        auto *a = new QAction(icon, text, this);
        if (key != QKeySequence::UnknownKey)
            a->setShortcuts(key);
        return a;
    };
    // The platform's keys for `key`, then the usual ones it may lack (a
    // desktop without a platform theme binds no Save As).
    auto standard = [](QAction *a, QKeySequence::StandardKey key, const QList<QKeySequence> &also) {
        QList<QKeySequence> keys = QKeySequence::keyBindings(key);
        for (const QKeySequence &k : also)
            if (!keys.contains(k))
                keys.append(k);
        a->setShortcuts(keys);
    };
    m_newAct = make(tr("&New"), QKeySequence::New, QIcon::fromTheme(QStringLiteral("document-new"), s->standardIcon(QStyle::SP_FileIcon)));
    m_openAct = make(tr("&Open…"), QKeySequence::Open, QIcon::fromTheme(QStringLiteral("document-open"), s->standardIcon(QStyle::SP_DialogOpenButton)));
    m_saveAct = make(tr("&Save"), QKeySequence::Save, QIcon::fromTheme(QStringLiteral("document-save"), s->standardIcon(QStyle::SP_DialogSaveButton)));
    m_saveAsAct = make(tr("Save &As…"), QKeySequence::SaveAs);
    standard(m_saveAsAct, QKeySequence::SaveAs, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)});
    m_quitAct = make(tr("&Quit"), QKeySequence::Quit);
    m_quitAct->setMenuRole(QAction::QuitRole);
    connect(m_newAct, &QAction::triggered, this, &MainWindow::onNew);
    connect(m_openAct, &QAction::triggered, this, &MainWindow::onOpen);
    connect(m_saveAct, &QAction::triggered, this, &MainWindow::onSave);
    connect(m_saveAsAct, &QAction::triggered, this, &MainWindow::onSaveAs);
    connect(m_quitAct, &QAction::triggered, this, &QWidget::close);

    m_undoAct = m_editor->undoStack()->createUndoAction(this, tr("&Undo"));
    m_undoAct->setShortcuts(QKeySequence::Undo);
    m_undoAct->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo"), s->standardIcon(QStyle::SP_ArrowBack)));
    m_redoAct = m_editor->undoStack()->createRedoAction(this, tr("&Redo"));
    standard(m_redoAct, QKeySequence::Redo,
             {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    m_redoAct->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo"), s->standardIcon(QStyle::SP_ArrowForward)));
    m_cutAct = make(tr("Cu&t"), QKeySequence::Cut, QIcon::fromTheme(QStringLiteral("edit-cut")));
    m_copyAct = make(tr("&Copy"), QKeySequence::Copy, QIcon::fromTheme(QStringLiteral("edit-copy")));
    m_pasteAct = make(tr("&Paste"), QKeySequence::Paste, QIcon::fromTheme(QStringLiteral("edit-paste")));
    m_deleteAct = make(tr("&Delete"), QKeySequence::Delete, QIcon::fromTheme(QStringLiteral("edit-delete")));
    m_deleteAct->setShortcuts({QKeySequence(QKeySequence::Delete), QKeySequence(Qt::Key_Backspace)});
    m_selectAllAct = make(tr("Select &All"), QKeySequence::SelectAll);
    m_callAgainAct = new QAction(tr("Call This Instance &Again"), this);
    m_callAgainAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_callAgainAct->setToolTip(tr("Add a second node calling the same instance: shared parameters "
                                  "(or Alt-drag a node)"));
    m_makeModuleAct = new QAction(tr("&Make Module from Selection…"), this);
    m_makeModuleAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    m_openInsideAct = new QAction(tr("&Open Inside"), this);
    m_openInsideAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Down));
    m_backAct = make(tr("&Back to Enclosing Type"), QKeySequence::Back, s->standardIcon(QStyle::SP_ArrowUp));
    m_backAct->setShortcuts({QKeySequence(QKeySequence::Back), QKeySequence(Qt::CTRL | Qt::Key_Up)});
    m_renameAct = new QAction(tr("Re&name…"), this);
    m_renameAct->setShortcut(QKeySequence(Qt::Key_F2));
    m_frozenAct = new QAction(tr("&Frozen"), this);
    m_frozenAct->setCheckable(true);
    m_newTypeAct = new QAction(tr("New Module &Type"), this);
    m_addInputAct = new QAction(tr("Add &Input"), this);
    m_addOutputAct = new QAction(tr("Add O&utput"), this);
    m_modelAct = new QAction(tr("Show the &Model"), this);
    m_modelAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Home));
    connect(m_cutAct, &QAction::triggered, this, &MainWindow::onCut);
    connect(m_copyAct, &QAction::triggered, this, &MainWindow::onCopy);
    connect(m_pasteAct, &QAction::triggered, this, &MainWindow::onPaste);
    connect(m_deleteAct, &QAction::triggered, this, &MainWindow::onDelete);
    connect(m_selectAllAct, &QAction::triggered, this, &MainWindow::onSelectAll);
    connect(m_callAgainAct, &QAction::triggered, this, &MainWindow::onCallAgain);
    connect(m_makeModuleAct, &QAction::triggered, this, &MainWindow::onMakeModule);
    connect(m_openInsideAct, &QAction::triggered, this, &MainWindow::onOpenInside);
    connect(m_backAct, &QAction::triggered, m_canvas, &CanvasWidget::goBack);
    connect(m_renameAct, &QAction::triggered, this, &MainWindow::onRename);
    connect(m_frozenAct, &QAction::triggered, this, &MainWindow::onToggleFrozen);
    connect(m_newTypeAct, &QAction::triggered, this, &MainWindow::onNewType);
    connect(m_addInputAct, &QAction::triggered, this, [this] { onAddPort(true); });
    connect(m_addOutputAct, &QAction::triggered, this, [this] { onAddPort(false); });
    connect(m_modelAct, &QAction::triggered, m_canvas, &CanvasWidget::showRoot);
    // Canvas-only keys must not fire while the user types in a dock's field.
    for (QAction *a : {m_cutAct, m_copyAct, m_pasteAct, m_deleteAct, m_selectAllAct}) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_canvas->addAction(a);
    }

    GraphView *view = m_canvas->view();
    m_zoomInAct = make(tr("Zoom &In"), QKeySequence::ZoomIn, QIcon::fromTheme(QStringLiteral("zoom-in")));
    standard(m_zoomInAct, QKeySequence::ZoomIn,
             {QKeySequence(Qt::CTRL | Qt::Key_Plus), QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    m_zoomOutAct = make(tr("Zoom &Out"), QKeySequence::ZoomOut, QIcon::fromTheme(QStringLiteral("zoom-out")));
    m_zoomResetAct = new QAction(tr("&Actual Size"), this);
    m_zoomResetAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    m_fitAct = new QAction(QIcon::fromTheme(QStringLiteral("zoom-fit-best")), tr("&Fit to View"), this);
    m_fitAct->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_arrangeAct = new QAction(tr("A&rrange Left to Right"), this);
    m_arrangeAct->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    m_snapAct = new QAction(tr("&Snap to Grid"), this);
    m_snapAct->setCheckable(true);
    connect(m_zoomInAct, &QAction::triggered, view, &GraphView::zoomIn);
    connect(m_zoomOutAct, &QAction::triggered, view, &GraphView::zoomOut);
    connect(m_zoomResetAct, &QAction::triggered, view, &GraphView::resetZoom);
    connect(m_fitAct, &QAction::triggered, view, &GraphView::fitAll);
    connect(m_arrangeAct, &QAction::triggered, this, [this] {
        if (EditResult r = m_editor->arrange(currentType()); !r)
            showStatus(r.reason);
        else
            m_canvas->view()->fitAll();
    });
    connect(m_snapAct, &QAction::toggled, this, [this](bool on) {
        m_canvas->scene()->setSnapToGrid(on);
        QSettings().setValue(QStringLiteral("canvas/snapToGrid"), on);
    });
    m_helpAct = new QAction(QIcon::fromTheme(QStringLiteral("help-contents")), tr("Model Composer &Help"), this);
    m_helpAct->setObjectName(QStringLiteral("helpAction"));
    standard(m_helpAct, QKeySequence::HelpContents, {QKeySequence(Qt::Key_F1)});
    connect(m_helpAct, &QAction::triggered, this, &MainWindow::onHelp);
    m_aboutAct = new QAction(tr("&About Model Composer"), this);
    m_aboutAct->setMenuRole(QAction::AboutRole);
    connect(m_aboutAct, &QAction::triggered, this, &MainWindow::onAbout);
}

void MainWindow::createDocks()
{
    m_palette = new PaletteWidget(m_project, this);
    m_paletteDock = new QDockWidget(tr("Palette"), this);
    m_paletteDock->setObjectName(QStringLiteral("paletteDock"));
    m_paletteDock->setWidget(m_palette);
    addDock(m_paletteDock, Qt::LeftDockWidgetArea);
    connect(m_palette, &PaletteWidget::entryActivated, this, [this](const PaletteEntry &entry) {
        QString why;
        const QPointF at = m_canvas->view()->centerScenePos() - QPointF(CanvasMetrics::kCallWidth / 2, 30);
        const QPointF snapped(std::round(at.x() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid,
                              std::round(at.y() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid);
        if (const auto id = m_editor->addEntry(currentType(), entry, snapped, &why))
            showNewNodes({*id});
        else
            showStatus(why);
    });
    connect(m_palette, &PaletteWidget::typeMenuRequested, this, &MainWindow::showTypeMenu);

    m_properties = new PropertiesPanel(m_editor, m_canvas->scene(), this);
    m_propertiesDock = new QDockWidget(tr("Properties"), this);
    m_propertiesDock->setObjectName(QStringLiteral("propertiesDock"));
    m_propertiesDock->setWidget(m_properties);
    addDock(m_propertiesDock, Qt::RightDockWidgetArea);
    connect(m_properties, &PropertiesPanel::openTypeRequested, m_canvas, &CanvasWidget::showType);
    connect(m_properties, &PropertiesPanel::selectNodeRequested, this, [this](int node) {
        m_canvas->scene()->selectNodes({node});
        if (NodeItem *item = m_canvas->scene()->nodeItem(node))
            m_canvas->view()->ensureVisible(item);
    });
    connect(m_properties, &PropertiesPanel::statusMessage, this, &MainWindow::showStatus);

    m_problems = new ProblemsPanel(m_editor, this);
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName(QStringLiteral("problemsDock"));
    m_problemsDock->setWidget(m_problems);
    addDock(m_problemsDock, Qt::BottomDockWidgetArea);
    connect(m_problems, &ProblemsPanel::problemActivated, this, &MainWindow::onProblemActivated);
    auto showCounts = [this](int errors, int warnings) {
        m_problemsDock->setWindowTitle(errors + warnings == 0 ? tr("Problems")
                                                              : tr("Problems (%1)").arg(errors + warnings));
        m_countsLabel->setText(errors == 0 ? tr("No errors") : errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors));
    };
    connect(m_problems, &ProblemsPanel::countsChanged, this, showCounts);
    showCounts(m_problems->errorCount(), m_problems->warningCount());

    m_summary = new SummaryPanel(m_editor, this);
    m_summaryDock = new QDockWidget(tr("Summary"), this);
    m_summaryDock->setObjectName(QStringLiteral("summaryDock"));
    m_summaryDock->setWidget(m_summary);
    addDock(m_summaryDock, Qt::BottomDockWidgetArea, m_problemsDock);

    auto *history = new QUndoView(m_editor->undoStack(), this);
    history->setEmptyLabel(tr("<opened>"));
    m_historyDock = new QDockWidget(tr("History"), this);
    m_historyDock->setObjectName(QStringLiteral("historyDock"));
    m_historyDock->setWidget(history);
    addDock(m_historyDock, Qt::BottomDockWidgetArea, m_problemsDock);
    m_problemsDock->raise();
}

bool MainWindow::raiseDock(const QString &name)
{
    for (QDockWidget *d : findChildren<QDockWidget *>())
        if (d->objectName() == name + QStringLiteral("Dock") || d->objectName() == name) {
            d->show();
            d->raise();
            return true;
        }
    return false;
}

void MainWindow::addDock(QDockWidget *dock, Qt::DockWidgetArea area, QDockWidget *tabifyWith)
{
    Q_ASSERT(!dock->objectName().isEmpty());
    // A dock added after the saved layout was restored takes its saved place;
    // otherwise the place asked for.
    if (!restoreDockWidget(dock)) {
        if (tabifyWith)
            tabifyDockWidget(tabifyWith, dock);
        else
            addDockWidget(area, dock);
    }
    if (m_viewMenu)
        m_viewMenu->addAction(dock->toggleViewAction());
}

void MainWindow::createMenus()
{
    m_fileMenu = menuBar()->addMenu(tr("&File"));
    m_fileMenu->addAction(m_newAct);
    m_fileMenu->addAction(m_openAct);
    m_examplesMenu = m_fileMenu->addMenu(tr("Open &Example"));
    const QList<QPair<QString, QString>> examples{
        {QStringLiteral("encoder-decoder.mcproj"), tr("Encoder and decoder (article, example 1)")},
        {QStringLiteral("configurable-blocks.mcproj"), tr("Configurable blocks (article, example 2)")},
        {QStringLiteral("shared-block.mcproj"), tr("Shared block (article, example 3)")}};
    for (const auto &[file, title] : examples) {
        QAction *a = m_examplesMenu->addAction(title);
        connect(a, &QAction::triggered, this, [this, file = file] {
            if (maybeDiscard())
                openExample(file);
        });
    }
    m_recentMenu = m_fileMenu->addMenu(tr("Open &Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_saveAct);
    m_fileMenu->addAction(m_saveAsAct);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAct);

    m_editMenu = menuBar()->addMenu(tr("&Edit"));
    m_editMenu->addAction(m_undoAct);
    m_editMenu->addAction(m_redoAct);
    m_editMenu->addSeparator();
    m_editMenu->addAction(m_cutAct);
    m_editMenu->addAction(m_copyAct);
    m_editMenu->addAction(m_pasteAct);
    m_editMenu->addAction(m_deleteAct);
    m_editMenu->addAction(m_selectAllAct);
    m_editMenu->addSeparator();
    m_editMenu->addAction(m_renameAct);
    m_editMenu->addAction(m_frozenAct);
    m_editMenu->addAction(m_callAgainAct);
    m_editMenu->addAction(m_makeModuleAct);
    m_editMenu->addSeparator();
    m_editMenu->addAction(m_addInputAct);
    m_editMenu->addAction(m_addOutputAct);
    m_editMenu->addAction(m_newTypeAct);

    QMenu *navigate = menuBar()->addMenu(tr("&Go"));
    navigate->addAction(m_openInsideAct);
    navigate->addAction(m_backAct);
    navigate->addAction(m_modelAct);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->addAction(m_zoomInAct);
    m_viewMenu->addAction(m_zoomOutAct);
    m_viewMenu->addAction(m_zoomResetAct);
    m_viewMenu->addAction(m_fitAct);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_arrangeAct);
    m_viewMenu->addAction(m_snapAct);
    m_viewMenu->addSeparator();
    for (QDockWidget *d : {m_paletteDock, m_propertiesDock, m_problemsDock, m_summaryDock, m_historyDock})
        m_viewMenu->addAction(d->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_helpAct);
    help->addSeparator();
    help->addAction(m_aboutAct);

    m_toolBar = addToolBar(tr("Main"));
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->setIconSize(QSize(18, 18));
    m_toolBar->addAction(m_newAct);
    m_toolBar->addAction(m_openAct);
    m_toolBar->addAction(m_saveAct);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_undoAct);
    m_toolBar->addAction(m_redoAct);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_backAct);
    m_toolBar->addAction(m_fitAct);
    m_toolBar->addAction(m_arrangeAct);
    m_toolBar->addAction(m_makeModuleAct);
    m_viewMenu->addAction(m_toolBar->toggleViewAction());
    // Short labels on the toolbar; the menus keep the long ones.
    for (QAction *a : {m_backAct, m_fitAct, m_arrangeAct, m_makeModuleAct}) {
        a->setIconText(a == m_backAct ? tr("Back") : a == m_fitAct ? tr("Fit") : a == m_arrangeAct ? tr("Arrange") : tr("Make Module"));
    }
    m_undoAct->setIconText(tr("Undo"));
    m_redoAct->setIconText(tr("Redo"));
}

// --- state ------------------------------------------------------------------------------

QString MainWindow::currentType() const
{
    return m_canvas->currentType();
}

bool MainWindow::isModified() const
{
    return m_recovered || !m_editor->undoStack()->isClean();
}

void MainWindow::updateTitle()
{
    const QString name = m_displayName.isEmpty() ? tr("Untitled") : m_displayName;
    setWindowTitle(tr("%1[*]").arg(name)); // The platform adds " — Model Composer".
    setWindowModified(isModified());
    updateActions();
}

void MainWindow::updateActions()
{
    GraphScene *scene = m_canvas->scene();
    const QList<int> selected = scene->selectedNodeIds();
    const bool one = selected.size() == 1;
    const Instance *instance = one ? m_editor->instanceOf(currentType(), selected.first()) : nullptr;
    m_callAgainAct->setEnabled(instance != nullptr);
    m_openInsideAct->setEnabled(one && !m_editor->innerTypeOf(currentType(), selected.first()).isEmpty());
    // Nothing to freeze where the analysis counts no parameters (Add, ReLU).
    const auto view = instance ? m_editor->analysis()->analysis().view(currentType()) : nullptr;
    const InstanceEval *counted = view ? view->instance(instance->name) : nullptr;
    const bool nothingToFreeze = counted && counted->params == 0 && !instance->frozen;
    m_frozenAct->setEnabled(instance != nullptr && !nothingToFreeze);
    m_frozenAct->setToolTip(nothingToFreeze ? tr("`%1` has no parameters, so there is nothing to freeze.").arg(instance->name)
                                            : QString());
    m_frozenAct->setChecked(instance && instance->frozen);
    m_makeModuleAct->setEnabled(!selected.isEmpty());
    m_cutAct->setEnabled(!selected.isEmpty());
    m_copyAct->setEnabled(!selected.isEmpty());
    m_deleteAct->setEnabled(!selected.isEmpty() || !scene->selectedWires().isEmpty());
    m_pasteAct->setEnabled(!clipboardNodes().isEmpty());
    m_backAct->setEnabled(m_canvas->canGoBack());
}

void MainWindow::setFilePath(const QString &path, const QString &displayName)
{
    m_filePath = path;
    m_displayName = displayName.isEmpty() && !path.isEmpty() ? QFileInfo(path).fileName() : displayName;
    setWindowFilePath(path);
    updateTitle();
}

void MainWindow::showStatus(const QString &text)
{
    if (text.isEmpty())
        statusBar()->clearMessage();
    else
        statusBar()->showMessage(text, kReadableStatusMs);
}

// --- files --------------------------------------------------------------------------------

void MainWindow::newProject()
{
    showDocument(DocumentEditor::emptyProject(), QString());
}

void MainWindow::showDocument(const ProjectData &data, const QString &path, const QString &displayName)
{
    m_recovered = false;
    // The path first: whoever follows the document's reset asks for its file.
    setFilePath(path, displayName);
    m_editor->resetDocument(data);
    m_canvas->showRoot();
    updateTitle();
    Q_EMIT documentOpened();
}

bool MainWindow::openFile(const QString &path, QString *error)
{
    ProjectData data;
    try {
        data = ProjectFile::load(path);
    } catch (const ProjectFormatError &e) {
        if (error)
            *error = e.message();
        else
            QMessageBox::critical(this, tr("Cannot Open Project"), e.message());
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    showDocument(data, absolute);
    addRecentFile(absolute);
    rememberFolder(absolute);
    m_autosave->discard();
    showStatus(tr("Opened %1").arg(QDir::toNativeSeparators(absolute)));
    return true;
}

bool MainWindow::openExample(const QString &fileName, QString *error)
{
    const QString dir = examplesDirectory();
    if (dir.isEmpty()) {
        const QString why = tr("The examples were not found next to the program.");
        if (error)
            *error = why;
        else
            QMessageBox::warning(this, tr("Open Example"), why);
        return false;
    }
    const QString path = QDir(dir).filePath(fileName);
    ProjectData data;
    try {
        data = ProjectFile::load(path);
    } catch (const ProjectFormatError &e) {
        if (error)
            *error = e.message();
        else
            QMessageBox::critical(this, tr("Cannot Open Project"), e.message());
        return false;
    }
    // An example opens as an untitled copy: Save asks where to put it.
    const QString name = tr("%1 (example)").arg(QFileInfo(fileName).completeBaseName());
    showDocument(data, QString(), name);
    m_autosave->discard();
    showStatus(tr("Opened the example %1 as an untitled copy").arg(QFileInfo(fileName).completeBaseName()));
    return true;
}

bool MainWindow::saveFile(const QString &path, QString *error)
{
    QString why;
    if (!ProjectFile::save(m_project->data(), path, &why)) {
        // ProjectFile's sentence names the file and the reason once.
        if (error)
            *error = why;
        else
            QMessageBox::critical(this, tr("Cannot Save Project"), why);
        return false;
    }
    m_recovered = false;
    m_editor->undoStack()->setClean();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    setFilePath(absolute);
    addRecentFile(absolute);
    rememberFolder(absolute);
    m_autosave->discard();
    showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(absolute)));
    return true;
}

bool MainWindow::maybeDiscard()
{
    if (!isModified())
        return true;
    const auto answer = QMessageBox::warning(
        this, tr("Unsaved Changes"),
        tr("%1 has changes that are not saved. Save them first?")
            .arg(m_displayName.isEmpty() ? tr("The project") : m_displayName),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save)
        return onSave();
    return answer == QMessageBox::Discard;
}

void MainWindow::autosaveNow()
{
    if (!isModified())
        return;
    QString error;
    if (!m_autosave->write(m_project->data(), m_filePath, &error))
        showStatus(tr("Autosave failed: %1").arg(error));
}

void MainWindow::setAutosaveInterval(int ms)
{
    m_autosaveTimer->start(ms);
}

int MainWindow::autosaveInterval() const
{
    return m_autosaveTimer->interval();
}

bool MainWindow::offerRecovery(const std::function<bool(const QString &, const QDateTime &)> &ask)
{
    const QList<Autosave::Orphan> orphans = m_autosave->orphans();
    if (orphans.isEmpty())
        return false;
    const Autosave::Orphan &latest = orphans.first();
    const QString what = latest.source.isEmpty() ? tr("an untitled project")
                                                 : QDir::toNativeSeparators(latest.source);
    bool yes;
    if (ask) {
        yes = ask(what, latest.time);
    } else {
        yes = QMessageBox::question(
                  this, tr("Recover Unsaved Work"),
                  tr("Model Composer did not close properly. Work on %1 was autosaved at %2.\n\nRestore it?")
                      .arg(what, QLocale().toString(latest.time.toLocalTime(), QLocale::ShortFormat)),
                  QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) == QMessageBox::Yes;
    }
    bool restored = false;
    if (yes) {
        try {
            const ProjectData data = ProjectFile::load(latest.file);
            showDocument(data, latest.source, latest.source.isEmpty() ? tr("Recovered") : QString());
            m_recovered = true;
            updateTitle();
            autosaveNow();
            restored = true;
        } catch (const ProjectFormatError &e) {
            QMessageBox::critical(this, tr("Cannot Recover"), e.message());
        }
    }
    for (const Autosave::Orphan &o : orphans)
        Autosave::removeOrphan(o);
    return restored;
}

void MainWindow::addRecentFile(const QString &path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentFiles")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), recent);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (const QString &path : recent) {
        QAction *a = m_recentMenu->addAction(QFileInfo(path).fileName());
        a->setToolTip(QDir::toNativeSeparators(path));
        a->setStatusTip(QDir::toNativeSeparators(path));
        a->setEnabled(QFileInfo::exists(path));
        connect(a, &QAction::triggered, this, [this, path] {
            if (maybeDiscard())
                openFile(path);
        });
    }
    if (recent.isEmpty())
        m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
    m_recentMenu->addSeparator();
    connect(m_recentMenu->addAction(tr("Clear Recent Files")), &QAction::triggered, this,
            [] { QSettings().remove(QStringLiteral("recentFiles")); });
}

QString MainWindow::examplesDirectory()
{
    const QString app = QCoreApplication::applicationDirPath();
    QStringList candidates{
        QDir(app).filePath(QStringLiteral("../share/modelcomposer/examples")),
        QDir(app).filePath(QStringLiteral("../../../examples")),
        QDir(app).filePath(QStringLiteral("examples")),
    };
#ifdef MC_SOURCE_EXAMPLES_DIR
    candidates.append(QStringLiteral(MC_SOURCE_EXAMPLES_DIR));
#endif
    for (const QString &c : std::as_const(candidates))
        if (QFileInfo::exists(QDir(c).filePath(QStringLiteral("encoder-decoder.mcproj"))))
            return QDir(c).canonicalPath();
    return {};
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // A line edit takes Ctrl+Z for its own text. Once a field of this window
    // has committed its value (nothing typed since), the keys undo and redo
    // the document instead, as they do anywhere else in the window.
    if (event->type() == QEvent::ShortcutOverride && watched->isWidgetType()) {
        auto *key = static_cast<QKeyEvent *>(event);
        auto *widget = static_cast<QWidget *>(watched);
        const bool undoKey = m_undoAct->shortcuts().contains(QKeySequence(key->keyCombination()));
        const bool redoKey = m_redoAct->shortcuts().contains(QKeySequence(key->keyCombination()));
        if ((undoKey || redoKey) && isAncestorOf(widget)) {
            QLineEdit *edit = qobject_cast<QLineEdit *>(widget);
            if (!edit && (qobject_cast<QAbstractSpinBox *>(widget) || qobject_cast<QComboBox *>(widget)))
                edit = widget->findChild<QLineEdit *>();
            if (edit && (!edit->isModified() || !(undoKey ? edit->isUndoAvailable() : edit->isRedoAvailable()))) {
                event->ignore();
                return true;
            }
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::onHelp()
{
    if (!m_help) {
        m_help = new QDialog(this);
        m_help->setObjectName(QStringLiteral("userGuide"));
        m_help->setWindowTitle(tr("Model Composer Help"));
        auto *browser = new QTextBrowser(m_help);
        browser->setObjectName(QStringLiteral("userGuideBrowser"));
        browser->setOpenExternalLinks(true);
        auto *layout = new QVBoxLayout(m_help);
        layout->addWidget(browser);
        m_help->resize(760, 640);
        const QString dir = docsDirectory();
        if (dir.isEmpty()) {
            browser->setPlainText(tr("The user guide (the docs folder of Model Composer) was not found next to "
                                     "the program."));
        } else {
            browser->setSearchPaths({dir});
            browser->setSource(QUrl::fromLocalFile(QDir(dir).filePath(QStringLiteral("editor.md"))),
                               QTextDocument::MarkdownResource);
        }
    }
    m_help->show();
    m_help->raise();
}

QString MainWindow::docsDirectory()
{
    const QString app = QCoreApplication::applicationDirPath();
    QStringList candidates{QDir(app).filePath(QStringLiteral("../share/doc/modelcomposer"))};
#ifdef MC_SOURCE_DOCS_DIR
    candidates.append(QStringLiteral(MC_SOURCE_DOCS_DIR));
#endif
    for (const QString &c : std::as_const(candidates))
        if (QFileInfo::exists(QDir(c).filePath(QStringLiteral("editor.md"))))
            return QDir(c).canonicalPath();
    return {};
}

void MainWindow::keepOnScreen()
{
    QScreen *where = screen();
    if (!where)
        return;
    const QRect available = where->availableGeometry();
    QRect g = geometry();
    if (available.contains(g))
        return;
    g.setSize(g.size().boundedTo(available.size()));
    g.moveLeft(std::clamp(g.left(), available.left(), available.right() - g.width() + 1));
    g.moveTop(std::clamp(g.top(), available.top(), available.bottom() - g.height() + 1));
    setGeometry(g);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_laidOut)
        return;
    m_laidOut = true;
    // After the first show the window has its size and every dock exists
    // (TrainingController adds its own after the constructor).
    QTimer::singleShot(0, this, [this] {
        if (m_savedState.isEmpty() || !restoreState(m_savedState))
            firstLayout();
        fitDocks();
        Q_EMIT layoutSettled();
    });
}

namespace {

/// What a dock's contents ask for: a scroll area's whole contents, plus the
/// rest of the dock's widget around it.
QSize wantedSize(QDockWidget *dock)
{
    QWidget *w = dock->widget();
    if (!w)
        return {};
    QSize wanted = w->sizeHint();
    // The dock's form: the widget itself (Properties) or the scroll area in it (Training).
    auto *scroll = qobject_cast<QScrollArea *>(w);
    if (!scroll)
        scroll = w->findChild<QScrollArea *>();
    if (scroll && scroll->widget()) {
        const QSize inside = scroll->widget()->sizeHint();
        const QSize shown = scroll->sizeHint();
        wanted.rwidth() += std::max(0, inside.width() + scroll->verticalScrollBar()->sizeHint().width() - shown.width());
        wanted.rheight() += std::max(0, inside.height() - shown.height());
    }
    const int title = dock->style()->pixelMetric(QStyle::PM_TitleBarHeight, nullptr, dock);
    return wanted + QSize(0, title);
}

} // namespace

void MainWindow::firstLayout()
{
    // The right column as wide as its widest form (at most a third of the
    // window); Training as tall as its form, Properties the rest; the bottom
    // docks as tall as the loss plot needs, at least a quarter of the window.
    QList<QDockWidget *> right, bottom;
    for (QDockWidget *d : findChildren<QDockWidget *>()) {
        if (d->isFloating() || d->isHidden())
            continue;
        if (dockWidgetArea(d) == Qt::RightDockWidgetArea)
            right.append(d);
        else if (dockWidgetArea(d) == Qt::BottomDockWidgetArea)
            bottom.append(d);
    }
    int rightWidth = 0;
    for (QDockWidget *d : std::as_const(right))
        rightWidth = std::max(rightWidth, wantedSize(d).width());
    rightWidth = std::min(rightWidth, width() / 3);
    const int paletteWidth = std::min(wantedSize(m_paletteDock).width(), width() / 6);
    resizeDocks({m_paletteDock, m_propertiesDock}, {paletteWidth, rightWidth}, Qt::Horizontal);
    int bottomHeight = height() / 4;
    for (QDockWidget *d : std::as_const(bottom))
        bottomHeight = std::max(bottomHeight, d->widget()->minimumSizeHint().height());
    resizeDocks({m_problemsDock}, {std::min(bottomHeight, height() / 3)}, Qt::Vertical);
    if (right.size() == 2) {
        // Both forms whole, one above the other, when the column is tall
        // enough; otherwise as tabs, each with the whole column.
        QDockWidget *other = right.at(0) == m_propertiesDock ? right.at(1) : right.at(0);
        const int column = m_propertiesDock->height() + other->height();
        const int wanted = wantedSize(other).height();
        if (wantedSize(m_propertiesDock).height() + wanted <= column) {
            resizeDocks({m_propertiesDock, other}, {column - wanted, wanted}, Qt::Vertical);
        } else {
            tabifyDockWidget(m_propertiesDock, other);
            m_propertiesDock->raise();
        }
    }
}

void MainWindow::fitDocks()
{
    // A layout (restored, or squeezed by a smaller screen) that would cut a
    // dock's fields is widened or heightened to what they need, within a
    // third of the window.
    for (QDockWidget *d : findChildren<QDockWidget *>()) {
        if (d->isFloating() || !d->isVisible() || !d->widget())
            continue;
        const Qt::DockWidgetArea area = dockWidgetArea(d);
        const bool side = area == Qt::LeftDockWidgetArea || area == Qt::RightDockWidgetArea;
        const QSize need = d->widget()->minimumSizeHint();
        if (side) {
            const int wanted = std::min(std::max(need.width(), d == m_paletteDock ? 0 : wantedSize(d).width()), width() / 3);
            if (d->width() < wanted)
                resizeDocks({d}, {wanted}, Qt::Horizontal);
        } else if (area == Qt::BottomDockWidgetArea || area == Qt::TopDockWidgetArea) {
            const int wanted = std::min(need.height() + 30, height() / 3);
            if (d->height() < wanted)
                resizeDocks({d}, {wanted}, Qt::Vertical);
        }
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeDiscard()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    m_autosave->discard();
    event->accept();
}

// --- actions ------------------------------------------------------------------------------

void MainWindow::onNew()
{
    if (maybeDiscard())
        newProject();
}

void MainWindow::onOpen()
{
    if (!maybeDiscard())
        return;
    const QString start = QFileInfo(suggestedPath(QStringLiteral("mcproj"))).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Project"), start, fileFilter());
    if (!path.isEmpty())
        openFile(path);
}

bool MainWindow::onSave()
{
    if (m_filePath.isEmpty())
        return onSaveAs();
    return saveFile(m_filePath);
}

QString MainWindow::suggestedPath(const QString &suffix) const
{
    QString folder;
    QString name;
    if (!m_filePath.isEmpty()) {
        const QFileInfo info(m_filePath);
        folder = info.absolutePath();
        name = info.completeBaseName();
    } else {
        folder = QSettings().value(QStringLiteral("files/lastFolder")).toString();
        if (folder.isEmpty() || !QFileInfo(folder).isDir())
            folder = QDir::homePath();
        // "shared-block (example)", "model.pt (exported model)": the file's own name.
        name = m_displayName.isEmpty() || m_recovered ? QString() : m_displayName.section(QLatin1Char(' '), 0, 0);
        name = QFileInfo(name).completeBaseName();
        if (name.isEmpty())
            name = QStringLiteral("model");
    }
    return QDir(folder).filePath(name + QLatin1Char('.') + suffix);
}

void MainWindow::rememberFolder(const QString &path)
{
    QSettings().setValue(QStringLiteral("files/lastFolder"), QFileInfo(path).absolutePath());
}

bool MainWindow::onSaveAs()
{
    const QString start = suggestedPath(QStringLiteral("mcproj"));
    QString path = QFileDialog::getSaveFileName(this, tr("Save Project As"), start, fileFilter());
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".mcproj");
    return saveFile(path);
}

void MainWindow::showNewNodes(const QList<int> &ids)
{
    GraphScene *scene = m_canvas->scene();
    scene->selectNodes(ids);
    QRectF area;
    for (int id : ids)
        if (NodeItem *item = scene->nodeItem(id))
            area |= item->sceneBoundingRect();
    if (!area.isNull())
        m_canvas->view()->ensureVisible(area);
}

QPointF MainWindow::pastePosition() const
{
    if (m_menuScenePos)
        return *m_menuScenePos;
    const QPointF c = m_canvas->view()->centerScenePos();
    return QPointF(std::round(c.x() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid,
                   std::round(c.y() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid);
}

void MainWindow::onCopy()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    if (ids.isEmpty())
        return;
    const QByteArray bytes = m_editor->copyNodes(currentType(), ids);
    auto *mime = new QMimeData;
    mime->setData(DocumentEditor::clipboardMimeType(), bytes);
    mime->setText(QString::fromUtf8(bytes));
    QApplication::clipboard()->setMimeData(mime);
    showStatus(tr("Copied %1.").arg(nodesText(int(ids.size()))));
}

QString MainWindow::nodesText(int count)
{
    return count == 1 ? tr("1 node") : tr("%1 nodes").arg(count);
}

void MainWindow::onCut()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    if (ids.isEmpty())
        return;
    onCopy();
    if (EditResult r = m_editor->removeItems(currentType(), ids, {}, tr("Cut")); !r)
        showStatus(r.reason);
    else
        showStatus(tr("Cut %1.").arg(nodesText(int(ids.size()))));
}

QByteArray MainWindow::clipboardNodes()
{
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasFormat(DocumentEditor::clipboardMimeType()))
        return mime->data(DocumentEditor::clipboardMimeType());
    // Project JSON as text (a script's, or copied from a file).
    if (mime && mime->hasText() && mime->text().trimmed().startsWith(QLatin1Char('{')))
        return mime->text().toUtf8();
    return {};
}

void MainWindow::onPaste()
{
    const QByteArray bytes = clipboardNodes();
    if (bytes.isEmpty()) {
        showStatus(tr("The clipboard holds no nodes."));
        return;
    }
    QString why;
    const QPointF at = pastePosition() + (m_menuScenePos ? QPointF() : QPointF(40, 40));
    if (const auto ids = m_editor->paste(currentType(), bytes, at, &why)) {
        showNewNodes(*ids);
        showStatus(tr("Pasted %1.").arg(nodesText(int(ids->size()))));
    } else {
        showStatus(tr("Nothing was pasted: %1").arg(why));
    }
}

void MainWindow::onDelete()
{
    GraphScene *scene = m_canvas->scene();
    const QList<int> ids = scene->selectedNodeIds();
    const QList<Wire> wires = scene->selectedWires();
    if (ids.isEmpty() && wires.isEmpty())
        return;
    if (EditResult r = m_editor->removeItems(currentType(), ids, wires); !r)
        showStatus(r.reason);
}

void MainWindow::onSelectAll()
{
    GraphScene *scene = m_canvas->scene();
    const ModuleType *t = m_project->type(currentType());
    if (!t)
        return;
    QList<int> ids;
    for (const Node &n : t->nodes)
        ids.append(n.id);
    scene->selectNodes(ids);
}

void MainWindow::onCallAgain()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    if (ids.size() != 1)
        return;
    NodeItem *item = m_canvas->scene()->nodeItem(ids.first());
    const QPointF at = item ? item->pos() + QPointF(0, item->height() + 40) : pastePosition();
    QString why;
    if (const auto id = m_editor->addSharedCall(currentType(), ids.first(), at, &why))
        showNewNodes({*id});
    else
        showStatus(why);
}

void MainWindow::onMakeModule()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    if (ids.isEmpty())
        return;
    bool ok = false;
    // Say which ports become outputs when some of them are not used yet.
    const QString note = m_editor->groupOutputsNote(currentType(), ids);
    const QString label = note.isEmpty() ? tr("Name of the new module type:")
                                         : note + QStringLiteral("\n\n") + tr("Name of the new module type:");
    const QString name = QInputDialog::getText(this, tr("Make Module from Selection"), label, QLineEdit::Normal,
                                               m_editor->uniqueTypeName(QStringLiteral("Module1")), &ok)
                             .trimmed();
    if (!ok || name.isEmpty())
        return;
    QString why;
    if (const auto id = m_editor->groupNodes(currentType(), ids, name, &why))
        showNewNodes({*id});
    else
        QMessageBox::information(this, tr("Make Module from Selection"), why);
}

void MainWindow::onOpenInside()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    if (ids.size() == 1)
        m_canvas->openNode(ids.first());
}

void MainWindow::onRename()
{
    m_propertiesDock->show();
    m_propertiesDock->raise();
    if (QLineEdit *name = m_properties->nameField()) {
        name->setFocus(Qt::ShortcutFocusReason);
        name->selectAll();
    }
}

void MainWindow::onToggleFrozen()
{
    const QList<int> ids = m_canvas->scene()->selectedNodeIds();
    const Instance *i = ids.size() == 1 ? m_editor->instanceOf(currentType(), ids.first()) : nullptr;
    if (!i)
        return;
    if (EditResult r = m_editor->setFrozen(currentType(), i->name, !i->frozen); !r)
        showStatus(r.reason);
}

void MainWindow::onNewType()
{
    QString created;
    if (EditResult r = m_editor->addType(QString(), &created); !r) {
        showStatus(r.reason);
        return;
    }
    m_canvas->showType(created);
    onRename();
}

void MainWindow::onAddPort(bool input)
{
    QPointF at = pastePosition();
    if (!m_menuScenePos) {
        const QRectF r = m_canvas->scene()->nodesBoundingRect();
        if (!r.isEmpty())
            at = QPointF(input ? r.left() - 200 : r.right() + 100, r.center().y());
        at = QPointF(std::round(at.x() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid,
                     std::round(at.y() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid);
    }
    QString why;
    if (const auto id = m_editor->addPort(currentType(), input ? NodeKind::Input : NodeKind::Output, at, &why))
        showNewNodes({*id});
    else
        showStatus(why);
}

void MainWindow::onProblemActivated(const QString &type, int node)
{
    if (!m_project->type(type))
        return;
    m_canvas->showType(type);
    if (node > 0) {
        m_canvas->scene()->selectNodes({node});
        if (NodeItem *item = m_canvas->scene()->nodeItem(node))
            m_canvas->view()->centerOn(item);
    } else {
        m_canvas->scene()->clearSelection();
    }
}

void MainWindow::showCanvasMenu(const QPoint &globalPos, const QPointF &scenePos, bool onNode)
{
    updateActions();
    QMenu menu(this);
    const QPointF snapped(std::round(scenePos.x() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid,
                          std::round(scenePos.y() / CanvasMetrics::kGrid) * CanvasMetrics::kGrid);
    if (onNode) {
        if (m_openInsideAct->isEnabled())
            menu.addAction(m_openInsideAct);
        menu.addAction(m_renameAct);
        menu.addAction(m_frozenAct);
        menu.addAction(m_callAgainAct);
        menu.addAction(m_makeModuleAct);
        menu.addSeparator();
        menu.addAction(m_cutAct);
        menu.addAction(m_copyAct);
        menu.addAction(m_deleteAct);
    } else {
        menu.addAction(m_pasteAct);
        menu.addSeparator();
        menu.addAction(m_addInputAct);
        menu.addAction(m_addOutputAct);
        menu.addSeparator();
        menu.addAction(m_arrangeAct);
        menu.addAction(m_fitAct);
        if (m_canvas->canGoBack())
            menu.addAction(m_backAct);
    }
    m_menuScenePos = snapped;
    menu.exec(globalPos);
    m_menuScenePos.reset();
}

void MainWindow::showTypeMenu(const QString &type, const QPoint &globalPos)
{
    QMenu menu(this);
    menu.addAction(tr("Open %1").arg(type), this, [this, type] { m_canvas->showType(type); });
    menu.addAction(tr("Add as a Stack"), this, [this, type] {
        QString why;
        const QPointF at = pastePosition();
        if (const auto id = m_editor->addStack(currentType(), type, at, &why))
            showNewNodes({*id});
        else
            showStatus(why);
    });
    QAction *root = menu.addAction(tr("Use as the Model"), this, [this, type] {
        if (EditResult r = m_editor->setRootType(type); !r)
            showStatus(r.reason);
    });
    root->setEnabled(m_project->rootType() != type);
    menu.addAction(tr("Rename…"), this, [this, type] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename Module Type"), tr("New name of `%1`:").arg(type),
                                                   QLineEdit::Normal, type, &ok).trimmed();
        if (ok && !name.isEmpty())
            if (EditResult r = m_editor->renameType(type, name); !r)
                QMessageBox::information(this, tr("Rename Module Type"), r.reason);
    });
    menu.addAction(tr("Remove"), this, [this, type] {
        if (EditResult r = m_editor->removeType(type); !r)
            QMessageBox::information(this, tr("Remove Module Type"), r.reason);
    });
    menu.exec(globalPos);
}

QString MainWindow::aboutText()
{
    return tr("<h3>Model Composer %1</h3>"
              "<p>Draw a neural network from nested and shared modules, train it, and export "
              "TorchScript.</p>"
              "<p>Built with Qt %2 (running on Qt %3), LibTorch %4 and QCustomPlot.</p>"
              "<p>The examples are the three models of the article "
              "<i>How can I make a pytorch lightning module have injected, nested models?</i> "
              "(2024-12-23), drawn as projects.</p>"
              "<p>Licence: GNU General Public License, version 3 or later (QCustomPlot, which draws the "
              "plots, is GPL-3.0). The licence text is in the file LICENSE.</p>")
        .arg(QStringLiteral(MODELCOMPOSER_VERSION), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()),
             libtorchVersion());
}

void MainWindow::onAbout()
{
    QMessageBox::about(this, tr("About Model Composer"), aboutText());
}

bool MainWindow::welcomeOnFirstStart()
{
    QSettings settings;
    if (settings.value(QStringLiteral("app/welcomed"), false).toBool())
        return false;
    settings.setValue(QStringLiteral("app/welcomed"), true);
    QString error; // no example next to the program: an empty project, as before
    if (!openExample(QStringLiteral("encoder-decoder.mcproj"), &error))
        return false;
    showStatus(tr("Welcome: this is the article's first example, ready to train (Training ▸ Start). "
                  "File ▸ Examples has the other two; Help (F1) shows how to draw your own."));
    return true;
}

} // namespace mc
