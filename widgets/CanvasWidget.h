#pragma once

#include <QList>
#include <QPointF>
#include <QWidget>

class QLabel;
class QToolButton;

namespace mc {

class DocumentEditor;
class GraphScene;
class GraphView;

/// The canvas with its breadcrumb: which module type is open, how the user got
/// there (root › encoder: Encoder › …), and the way back. Opening a node's
/// inside remembers the view, going back restores it.
class CanvasWidget : public QWidget
{
    Q_OBJECT
public:
    /// One level of the breadcrumb.
    struct Crumb
    {
        QString type;      ///< The module type shown at this level.
        QString instance;  ///< The instance opened to get here (empty at the first level).
        QPointF center;    ///< The view's centre when the user left this level.
        double zoom = 0;   ///< The view's zoom when the user left this level (0: fit).
    };

    explicit CanvasWidget(DocumentEditor *editor, QWidget *parent = nullptr);

    GraphScene *scene() const { return m_scene; }
    GraphView *view() const { return m_view; }
    QString currentType() const;
    const QList<Crumb> &path() const { return m_path; }

    /// Shows the root model.
    void showRoot();
    /// Shows `type`, with the path from the root to it when there is one.
    void showType(const QString &type);
    /// Opens the inside of a call node of the current type (a module type or a
    /// stack's block type); false for built-in layers and ports.
    bool openNode(int node);
    bool canGoBack() const { return m_path.size() > 1; }

public Q_SLOTS:
    /// Back to the enclosing level.
    void goBack();
    /// Back to level `depth` of the breadcrumb (0: the first).
    void goTo(int depth);

Q_SIGNALS:
    /// Another module type is shown (or the shown one was renamed).
    void currentTypeChanged(const QString &type);

private:
    void enter(const QList<Crumb> &path, bool restoreView);
    void updateCrumbs();
    void onTypeVanished();

    DocumentEditor *m_editor;
    GraphScene *m_scene;
    GraphView *m_view;
    QToolButton *m_back;
    QLabel *m_crumbs;
    QList<Crumb> m_path;
};

} // namespace mc
