#include "CanvasWidget.h"

#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "document/Project.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSet>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace mc {

CanvasWidget::CanvasWidget(DocumentEditor *editor, QWidget *parent)
    : QWidget(parent), m_editor(editor), m_scene(new GraphScene(editor, this)), m_view(new GraphView(m_scene, this)),
      m_back(new QToolButton(this)), m_crumbs(new QLabel(this))
{
    auto *bar = new QWidget(this);
    bar->setObjectName(QStringLiteral("breadcrumbBar"));
    bar->setAutoFillBackground(true);
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(6, 3, 6, 3);
    row->setSpacing(6);
    m_back->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
    m_back->setToolTip(tr("Back to the enclosing module type"));
    m_back->setAutoRaise(true);
    m_crumbs->setTextFormat(Qt::RichText);
    m_crumbs->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_crumbs->setObjectName(QStringLiteral("breadcrumb"));
    row->addWidget(m_back);
    row->addWidget(m_crumbs, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);

    connect(m_back, &QToolButton::clicked, this, &CanvasWidget::goBack);
    connect(m_crumbs, &QLabel::linkActivated, this, [this](const QString &link) { goTo(link.toInt()); });
    connect(m_scene, &GraphScene::nodeActivated, this, [this](int node) { openNode(node); });
    connect(m_scene, &GraphScene::typeVanished, this, &CanvasWidget::onTypeVanished);
    connect(m_scene, &GraphScene::typeNameChanged, this, [this](const QString &) { updateCrumbs(); });
    Project *project = editor->project();
    connect(project, &Project::typeRenamed, this, [this](const QString &from, const QString &to) {
        for (Crumb &c : m_path)
            if (c.type == from)
                c.type = to;
        updateCrumbs();
        Q_EMIT currentTypeChanged(currentType());
    });
    connect(project, &Project::instanceRenamed, this, [this](const QString &type, const QString &from, const QString &to) {
        for (int k = 1; k < m_path.size(); ++k)
            if (m_path.at(k - 1).type == type && m_path.at(k).instance == from)
                m_path[k].instance = to;
        updateCrumbs();
    });
    connect(project, &Project::rootChanged, this, &CanvasWidget::updateCrumbs);
    updateCrumbs();
}

QString CanvasWidget::currentType() const
{
    return m_path.isEmpty() ? QString() : m_path.last().type;
}

void CanvasWidget::showRoot()
{
    const QString root = m_editor->project()->rootType();
    enter(root.isEmpty() ? QList<Crumb>{} : QList<Crumb>{Crumb{root, {}, {}, 0}}, false);
}

void CanvasWidget::showType(const QString &type)
{
    if (type == currentType())
        return;
    // A level already on the path: go back to it.
    for (int k = 0; k < m_path.size(); ++k)
        if (m_path.at(k).type == type) {
            goTo(k);
            return;
        }
    // Otherwise the first way down from the root (breadth first), or the type alone.
    const Project *project = m_editor->project();
    QHash<QString, QPair<QString, QString>> parent; // type -> (enclosing type, instance)
    QList<QString> queue{project->rootType()};
    QSet<QString> seen{project->rootType()};
    while (!queue.isEmpty() && !seen.contains(type)) {
        const QString name = queue.takeFirst();
        const ModuleType *t = project->type(name);
        if (!t)
            continue;
        for (const Instance &i : t->instances) {
            const QString used = i.isStack() ? i.blockType : i.type;
            if (!project->type(used) || seen.contains(used))
                continue;
            seen.insert(used);
            parent.insert(used, {name, i.name});
            queue.append(used);
        }
    }
    QList<Crumb> path;
    if (seen.contains(type)) {
        QString at = type;
        while (parent.contains(at)) {
            path.prepend(Crumb{at, parent.value(at).second, {}, 0});
            at = parent.value(at).first;
        }
        path.prepend(Crumb{at, {}, {}, 0});
    } else if (project->type(type)) {
        path = {Crumb{type, {}, {}, 0}};
    } else {
        return;
    }
    if (!m_path.isEmpty()) {
        m_path.last().center = m_view->centerScenePos();
        m_path.last().zoom = m_view->zoom();
    }
    enter(path, false);
}

bool CanvasWidget::openNode(int node)
{
    const QString inner = m_editor->innerTypeOf(currentType(), node);
    const Instance *instance = m_editor->instanceOf(currentType(), node);
    if (inner.isEmpty() || !instance)
        return false;
    QList<Crumb> path = m_path;
    path.last().center = m_view->centerScenePos();
    path.last().zoom = m_view->zoom();
    path.append(Crumb{inner, instance->name, {}, 0});
    enter(path, false);
    return true;
}

void CanvasWidget::goBack()
{
    if (m_path.size() > 1)
        goTo(int(m_path.size()) - 2);
}

void CanvasWidget::goTo(int depth)
{
    if (depth < 0 || depth >= m_path.size() || depth == m_path.size() - 1)
        return;
    enter(m_path.mid(0, depth + 1), true);
}

void CanvasWidget::enter(const QList<Crumb> &path, bool restoreView)
{
    const QString before = currentType();
    m_path = path;
    m_scene->setTypeName(currentType());
    updateCrumbs();
    const Crumb last = m_path.isEmpty() ? Crumb{} : m_path.last();
    auto place = [this, last, restoreView] {
        if (restoreView && last.zoom > 0) {
            m_view->setZoom(last.zoom);
            m_view->centerOn(last.center);
        } else {
            m_view->fitAll();
        }
    };
    place();
    // The first layout of a new window changes the viewport's size: place again then.
    QTimer::singleShot(0, this, place);
    if (before != currentType())
        Q_EMIT currentTypeChanged(currentType());
}

void CanvasWidget::onTypeVanished()
{
    QList<Crumb> path;
    for (const Crumb &c : std::as_const(m_path)) {
        if (!m_editor->project()->type(c.type))
            break;
        path.append(c);
    }
    if (path.isEmpty()) {
        showRoot();
        return;
    }
    enter(path, true);
}

void CanvasWidget::updateCrumbs()
{
    m_back->setEnabled(canGoBack());
    QStringList parts;
    const QString root = m_editor->project()->rootType();
    for (int k = 0; k < m_path.size(); ++k) {
        const Crumb &c = m_path.at(k);
        QString label = c.instance.isEmpty() ? c.type.toHtmlEscaped()
                                             : QStringLiteral("%1 : %2").arg(c.instance.toHtmlEscaped(),
                                                                             c.type.toHtmlEscaped());
        if (k == 0 && c.type == root)
            label += QStringLiteral(" <span style=\"color:gray\">(model)</span>");
        if (k + 1 < m_path.size())
            parts.append(QStringLiteral("<a href=\"%1\">%2</a>").arg(k).arg(label));
        else
            parts.append(QStringLiteral("<b>%1</b>").arg(label));
    }
    m_crumbs->setText(parts.join(QStringLiteral(" &nbsp;›&nbsp; ")));
}

} // namespace mc
