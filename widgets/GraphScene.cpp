#include "GraphScene.h"

#include "CanvasMetrics.h"
#include "CanvasStyle.h"
#include "DocumentEditor.h"
#include "layers/LayerRegistry.h"
#include "PortItem.h"
#include "document/Project.h"
#include "WireItem.h"

#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSceneMouseEvent>
#include <QKeyEvent>
#include <QSet>

#include <cmath>

namespace mc {

using namespace CanvasMetrics;

GraphScene::GraphScene(DocumentEditor *editor, QObject *parent)
    : QGraphicsScene(parent), m_editor(editor), m_project(editor->project())
{
    // An endless canvas: the view pans anywhere, "fit" finds the nodes again.
    setSceneRect(-50000, -50000, 100000, 100000);
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    Project *p = m_project;
    connect(p, &Project::reset, this, &GraphScene::onReset);
    connect(p, &Project::typeRenamed, this, &GraphScene::onTypeRenamed);
    connect(p, &Project::typeRemoved, this, &GraphScene::onTypeRemoved);
    connect(p, &Project::typeChanged, this, &GraphScene::onTypeChanged);
    connect(p, &Project::nodeAdded, this, &GraphScene::onNodeAdded);
    connect(p, &Project::nodeRemoved, this, &GraphScene::onNodeRemoved);
    connect(p, &Project::nodeMoved, this, &GraphScene::onNodeMoved);
    connect(p, &Project::nodeChanged, this, &GraphScene::onNodeChanged);
    connect(p, &Project::wireAdded, this, &GraphScene::onWireAdded);
    connect(p, &Project::wireRemoved, this, &GraphScene::onWireRemoved);
    connect(p, &Project::instanceRenamed, this, &GraphScene::onInstanceRenamed);
    connect(p, &Project::instanceChanged, this, &GraphScene::onInstanceChanged);
    connect(editor, &DocumentEditor::analysisUpdated, this, &GraphScene::applyAnalysis);
    connect(this, &QGraphicsScene::selectionChanged, this, &GraphScene::updateTwins);
}

GraphScene::~GraphScene()
{
    // Items refer to each other (wires to nodes); drop the lookups before Qt deletes them.
    m_wires.clear();
    m_nodes.clear();
    // ~QGraphicsScene deletes the items, and a selected item going emits
    // selectionChanged() to slots of this scene, by then only a QGraphicsScene
    // (UndefinedBehaviorSanitizer: downcast of a QGraphicsScene to GraphScene).
    blockSignals(true);
}

QString GraphScene::wireKey(const Wire &w)
{
    return QStringLiteral("%1:%2>%3:%4").arg(w.from.node).arg(w.from.port).arg(w.to.node).arg(w.to.port);
}

void GraphScene::setTypeName(const QString &type)
{
    if (type == m_type && !type.isEmpty()) {
        // Already shown, and kept current by the signals: nothing to build.
        Q_EMIT rebuilt();
        return;
    }
    m_type = type;
    rebuild();
}

// --- building ------------------------------------------------------------------------

NodeItem::Look GraphScene::lookFor(const ModuleType &t, const Node &n, int calls) const
{
    NodeItem::Look look;
    look.kind = n.kind;
    look.title = n.name;
    if (n.kind == NodeKind::Input) {
        look.subtitle = QStringLiteral("input");
        look.category = QStringLiteral("Port");
        look.outputs = {n.name};
        look.hasParameters = false;
        if (!n.shape.isEmpty()) {
            QStringList dims;
            for (const OptionValue &d : n.shape)
                dims.append(d.toString());
            look.detail = QStringLiteral("Input `%1`: shape [%2] after the batch.").arg(n.name, dims.join(QStringLiteral(", ")));
        } else {
            look.detail = QStringLiteral("Input `%1`: its shape comes from the caller.").arg(n.name);
        }
        return look;
    }
    if (n.kind == NodeKind::Output) {
        look.subtitle = QStringLiteral("output");
        look.category = QStringLiteral("Port");
        look.inputs = {n.name};
        look.hasParameters = false;
        look.detail = QStringLiteral("Output `%1` of `%2`.").arg(n.name, t.name);
        return look;
    }
    look.calls = calls;
    const Instance *inst = t.instance(n.name);
    if (!inst) {
        look.subtitle = QStringLiteral("(no such instance)");
        look.category = QStringLiteral("Port");
        return look;
    }
    look.frozen = inst->frozen;
    if (const mc::LayerDefinition *spec = mc::LayerRegistry::find(inst->type)) {
        look.subtitle = spec->name;
        look.category = spec->category;
        look.inputs = spec->inputs;
        look.outputs = spec->outputs;
        look.hasParameters = !spec->isOperator;
        look.detail = QStringLiteral("%1: %2").arg(spec->name, spec->doc);
        return look;
    }
    const QString innerName = inst->isStack() ? inst->blockType : inst->type;
    const ModuleType *inner = m_project->type(innerName);
    look.opens = inner != nullptr;
    if (inst->isStack()) {
        look.category = QStringLiteral("Stack");
        look.subtitle = QStringLiteral("Stack of %1 × %2").arg(innerName).arg(inst->rows.size());
    } else {
        look.category = QStringLiteral("Module");
        look.subtitle = innerName;
    }
    if (!inner) {
        look.subtitle += QStringLiteral(" (missing)");
        return look;
    }
    look.detail = inner->description;
    for (const Node *p : inner->ports(NodeKind::Input))
        look.inputs.append(p->name);
    for (const Node *p : inner->ports(NodeKind::Output))
        look.outputs.append(p->name);
    if (inst->isStack()) {
        look.inputs = look.inputs.mid(0, 1);
        look.outputs = look.outputs.mid(0, 1);
    }
    return look;
}

NodeItem *GraphScene::createNode(const ModuleType &t, const Node &n, int calls)
{
    auto *item = new NodeItem(n.id, lookFor(t, n, calls));
    item->setPosFromModel(n.pos);
    addItem(item);
    m_nodes.insert(n.id, item);
    return item;
}

void GraphScene::createWire(const Wire &w)
{
    const QString key = wireKey(w);
    NodeItem *from = m_nodes.value(w.from.node);
    NodeItem *to = m_nodes.value(w.to.node);
    if (m_wires.contains(key) || !from || !to)
        return;
    auto *item = new WireItem(w, from, to);
    addItem(item);
    m_wires.insert(key, item);
    from->attachWire(item);
    to->attachWire(item);
}

void GraphScene::removeWireItem(const Wire &w)
{
    WireItem *item = m_wires.take(wireKey(w));
    if (!item)
        return;
    item->fromNode()->detachWire(item);
    item->toNode()->detachWire(item);
    delete item;
}

void GraphScene::removeNodeItem(int id)
{
    NodeItem *item = m_nodes.value(id);
    if (!item)
        return;
    const QList<WireItem *> wires = item->wires();
    for (WireItem *w : wires)
        removeWireItem(w->wire());
    m_nodes.remove(id);
    delete item;
}

void GraphScene::rebuild()
{
    clearWireDrag();
    m_shareDrag.reset();
    m_wires.clear();
    m_nodes.clear();
    clear();
    const ModuleType *t = m_project->type(m_type);
    if (!t) {
        Q_EMIT rebuilt();
        return;
    }
    QHash<QString, int> calls;
    for (const Node &n : t->nodes)
        if (n.kind == NodeKind::Call)
            calls[n.name] += 1;
    for (const Node &n : t->nodes)
        createNode(*t, n, calls.value(n.name, 1));
    for (const Wire &w : t->wires)
        createWire(w);
    applyAnalysis();
    Q_EMIT rebuilt();
}

void GraphScene::syncType()
{
    // The whole type was replaced (undo, redo): diff it against the items.
    const ModuleType *t = m_project->type(m_type);
    if (!t) {
        Q_EMIT typeVanished();
        return;
    }
    clearWireDrag();
    QHash<QString, int> calls;
    for (const Node &n : t->nodes)
        if (n.kind == NodeKind::Call)
            calls[n.name] += 1;
    QSet<QString> wireKeys;
    for (const Wire &w : t->wires)
        wireKeys.insert(wireKey(w));
    const QList<QString> existingWires = m_wires.keys();
    for (const QString &key : existingWires)
        if (!wireKeys.contains(key))
            removeWireItem(m_wires.value(key)->wire());
    QSet<int> ids;
    for (const Node &n : t->nodes)
        ids.insert(n.id);
    const QList<int> existingNodes = m_nodes.keys();
    for (int id : existingNodes)
        if (!ids.contains(id))
            removeNodeItem(id);
    for (const Node &n : t->nodes) {
        NodeItem *item = m_nodes.value(n.id);
        const int count = calls.value(n.name, 1);
        if (!item) {
            createNode(*t, n, count);
            continue;
        }
        item->setLook(lookFor(*t, n, count));
        if (item->pos() != n.pos)
            item->setPosFromModel(n.pos);
    }
    for (const Wire &w : t->wires)
        createWire(w);
    updateTwins();
    // Sizes and problems follow with the editor's next analysis (analysisUpdated).
}

void GraphScene::refreshNode(int id)
{
    const ModuleType *t = m_project->type(m_type);
    const Node *n = t ? t->node(id) : nullptr;
    NodeItem *item = m_nodes.value(id);
    if (!n || !item)
        return;
    item->setLook(lookFor(*t, *n, n->kind == NodeKind::Call ? int(t->callsOf(n->name).size()) : 1));
}

void GraphScene::refreshCallsOf(const QString &instance)
{
    const ModuleType *t = m_project->type(m_type);
    if (!t)
        return;
    const QList<int> calls = t->callsOf(instance);
    for (int id : calls)
        if (NodeItem *item = m_nodes.value(id))
            item->setLook(lookFor(*t, *t->node(id), int(calls.size())));
}

void GraphScene::refreshUsersOf(const QString &type)
{
    const ModuleType *t = m_project->type(m_type);
    if (!t)
        return;
    for (const Instance &i : t->instances)
        if (i.type == type || i.blockType == type)
            refreshCallsOf(i.name);
}

// --- analysis --------------------------------------------------------------------------

void GraphScene::applyAnalysis()
{
    if (m_nodes.isEmpty())
        return;
    const auto snapshot = m_editor->analysis();
    const Analysis &analysis = snapshot->analysis();
    const auto view = analysis.view(m_type);
    QHash<QString, const InstanceEval *> instances;
    if (view)
        for (const InstanceEval &ie : view->instances)
            instances.insert(ie.name, &ie);
    QHash<int, QStringList> errors;
    QHash<int, QStringList> warnings;
    QHash<QString, QStringList> wireProblems;
    for (const Diagnostic &d : analysis.diagnostics()) {
        if (d.type != m_type)
            continue;
        if (d.severity == Diagnostic::Severity::Error) {
            if (!errors[d.node].contains(d.message))
                errors[d.node].append(d.message);
            if (d.wire)
                wireProblems[wireKey(*d.wire)].append(d.message);
        } else if (!warnings[d.node].contains(d.message)) {
            warnings[d.node].append(d.message);
        }
    }
    const ModuleType *t = m_project->type(m_type);
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        NodeItem::Status status;
        if (view) {
            const auto ne = view->nodes.constFind(it.key());
            if (ne != view->nodes.constEnd()) {
                status.in = ne->in;
                status.out = ne->out;
            }
        }
        const NodeItem::Look &look = it.value()->look();
        if (look.kind == NodeKind::Call) {
            if (const InstanceEval *ie = instances.value(look.title)) {
                status.params = ie->params;
                status.trainable = ie->trainable;
            }
        }
        status.errors = errors.value(it.key());
        status.warnings = warnings.value(it.key());
        it.value()->setStatus(status);
    }
    Q_UNUSED(t);
    for (auto it = m_wires.begin(); it != m_wires.end(); ++it)
        it.value()->setProblem(wireProblems.value(it.key()).join(QLatin1Char('\n')));
}

// --- selection -------------------------------------------------------------------------

QList<int> GraphScene::selectedNodeIds() const
{
    QList<int> ids;
    const QList<QGraphicsItem *> items = selectedItems();
    for (QGraphicsItem *i : items)
        if (i->type() == NodeItem::Type)
            ids.append(static_cast<NodeItem *>(i)->nodeId());
    std::sort(ids.begin(), ids.end());
    return ids;
}

QList<Wire> GraphScene::selectedWires() const
{
    QList<Wire> wires;
    const QList<QGraphicsItem *> items = selectedItems();
    for (QGraphicsItem *i : items)
        if (i->type() == WireItem::Type)
            wires.append(static_cast<WireItem *>(i)->wire());
    return wires;
}

void GraphScene::selectNodes(const QList<int> &ids)
{
    QSignalBlocker block(this);
    clearSelection();
    for (int id : ids)
        if (NodeItem *item = m_nodes.value(id))
            item->setSelected(true);
    block.unblock();
    Q_EMIT selectionChanged();
}

QRectF GraphScene::nodesBoundingRect() const
{
    QRectF r;
    for (NodeItem *item : m_nodes)
        r = r.united(item->sceneBoundingRect());
    return r;
}

void GraphScene::updateTwins()
{
    QSet<QString> selectedInstances;
    QSet<int> selectedIds;
    const QList<QGraphicsItem *> items = selectedItems();
    for (QGraphicsItem *i : items)
        if (i->type() == NodeItem::Type) {
            auto *n = static_cast<NodeItem *>(i);
            selectedIds.insert(n->nodeId());
            if (n->look().kind == NodeKind::Call && n->look().calls > 1)
                selectedInstances.insert(n->look().title);
        }
    for (NodeItem *n : std::as_const(m_nodes))
        n->setTwinHighlight(n->look().kind == NodeKind::Call && !selectedIds.contains(n->nodeId()) &&
                            selectedInstances.contains(n->look().title));
}

// --- project signals --------------------------------------------------------------------

void GraphScene::onReset()
{
    if (!m_project->type(m_type)) {
        Q_EMIT typeVanished();
        return;
    }
    rebuild();
}

void GraphScene::onTypeRenamed(const QString &from, const QString &to)
{
    if (m_type == from) {
        m_type = to;
        Q_EMIT typeNameChanged(to);
    }
    refreshUsersOf(to);
}

void GraphScene::onTypeRemoved(const QString &type)
{
    if (type == m_type)
        Q_EMIT typeVanished();
}

void GraphScene::onTypeChanged(const QString &type)
{
    if (type == m_type)
        syncType();
    else
        refreshUsersOf(type);
}

void GraphScene::onNodeAdded(const QString &type, int node)
{
    if (type != m_type) {
        refreshUsersOf(type);
        return;
    }
    const ModuleType *t = m_project->type(m_type);
    const Node *n = t ? t->node(node) : nullptr;
    if (!n || m_nodes.contains(node))
        return;
    createNode(*t, *n, n->kind == NodeKind::Call ? int(t->callsOf(n->name).size()) : 1);
    if (n->kind == NodeKind::Call)
        refreshCallsOf(n->name);
}

void GraphScene::onNodeRemoved(const QString &type, int node)
{
    if (type != m_type) {
        refreshUsersOf(type);
        return;
    }
    NodeItem *item = m_nodes.value(node);
    if (!item)
        return;
    const bool call = item->look().kind == NodeKind::Call;
    const QString name = item->look().title;
    if (m_wireDrag)
        clearWireDrag();
    removeNodeItem(node);
    if (call)
        refreshCallsOf(name);
}

void GraphScene::onNodeMoved(const QString &type, int node, QPointF pos)
{
    if (type != m_type)
        return;
    if (NodeItem *item = m_nodes.value(node))
        if (item->pos() != pos)
            item->setPosFromModel(pos);
}

void GraphScene::onNodeChanged(const QString &type, int node)
{
    if (type == m_type)
        refreshNode(node);
    else
        refreshUsersOf(type);
}

void GraphScene::onWireAdded(const QString &type, const Wire &wire)
{
    if (type == m_type)
        createWire(wire);
}

void GraphScene::onWireRemoved(const QString &type, const Wire &wire)
{
    if (type != m_type)
        return;
    if (m_wireDrag && m_wireDrag->lifted && *m_wireDrag->lifted == wire)
        clearWireDrag();
    removeWireItem(wire);
}

void GraphScene::onInstanceRenamed(const QString &type, const QString &, const QString &to)
{
    if (type == m_type)
        refreshCallsOf(to);
}

void GraphScene::onInstanceChanged(const QString &type, const QString &instance)
{
    if (type == m_type)
        refreshCallsOf(instance);
}

// --- mouse: moves, wires, shared calls ------------------------------------------------------

PortItem *GraphScene::portAt(QPointF scenePos, std::optional<bool> input, double radius) const
{
    PortItem *best = nullptr;
    double bestDistance = radius * radius;
    const QList<QGraphicsItem *> near =
        items(QRectF(scenePos - QPointF(radius, radius), QSizeF(2 * radius, 2 * radius)));
    for (QGraphicsItem *i : near) {
        if (i->type() != PortItem::Type)
            continue;
        auto *p = static_cast<PortItem *>(i);
        if (input && p->isInput() != *input)
            continue;
        const QPointF d = p->scenePos() - scenePos;
        const double distance = d.x() * d.x() + d.y() * d.y();
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = p;
        }
    }
    return best;
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent *event)
{
    m_pressedOnNode = false;
    if (event->button() == Qt::LeftButton) {
        if (PortItem *port = portAt(event->scenePos(), std::nullopt, kPortHitRadius)) {
            beginWireDrag(port, event->scenePos());
            event->accept();
            return;
        }
        QGraphicsItem *top = itemAt(event->scenePos(), QTransform());
        while (top && top->type() != NodeItem::Type)
            top = top->parentItem();
        if (top && (event->modifiers() & Qt::AltModifier)) {
            auto *node = static_cast<NodeItem *>(top);
            if (node->look().kind == NodeKind::Call) {
                ShareDrag drag;
                drag.node = node->nodeId();
                drag.grab = event->scenePos() - node->pos();
                drag.ghost = new QGraphicsRectItem(QRectF(0, 0, node->width(), node->height()));
                drag.ghost->setPen(QPen(CanvasStyle::selection(palette()), 2, Qt::DashLine));
                QColor fill = CanvasStyle::selection(palette());
                fill.setAlphaF(0.15f);
                drag.ghost->setBrush(fill);
                drag.ghost->setPos(node->pos());
                drag.ghost->setZValue(10);
                addItem(drag.ghost);
                m_shareDrag = drag;
                Q_EMIT statusMessage(QStringLiteral("Drop to call `%1` again: a shared instance.").arg(node->look().title));
                event->accept();
                return;
            }
        }
        m_pressedOnNode = top != nullptr;
    }
    QGraphicsScene::mousePressEvent(event);
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_wireDrag) {
        updateWireDrag(event->scenePos());
        event->accept();
        return;
    }
    if (m_shareDrag) {
        QPointF p = event->scenePos() - m_shareDrag->grab;
        if (m_snap)
            p = QPointF(std::round(p.x() / kGrid) * kGrid, std::round(p.y() / kGrid) * kGrid);
        m_shareDrag->ghost->setPos(p);
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_wireDrag) {
        updateWireDrag(event->scenePos());
        endWireDrag();
        event->accept();
        return;
    }
    if (m_shareDrag) {
        const ShareDrag drag = *m_shareDrag;
        m_shareDrag.reset();
        const QPointF at = drag.ghost->pos();
        delete drag.ghost;
        QString why;
        if (const auto id = m_editor->addSharedCall(m_type, drag.node, at, &why))
            selectNodes({*id});
        else
            Q_EMIT statusMessage(why);
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (m_pressedOnNode)
        commitMoves();
    m_pressedOnNode = false;
}

void GraphScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event)
{
    QGraphicsItem *top = itemAt(event->scenePos(), QTransform());
    while (top && top->type() != NodeItem::Type)
        top = top->parentItem();
    if (top && event->button() == Qt::LeftButton) {
        Q_EMIT nodeActivated(static_cast<NodeItem *>(top)->nodeId());
        event->accept();
        return;
    }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void GraphScene::keyPressEvent(QKeyEvent *event)
{
    QPointF step;
    switch (event->key()) {
    case Qt::Key_Left: step = QPointF(-kGrid, 0); break;
    case Qt::Key_Right: step = QPointF(kGrid, 0); break;
    case Qt::Key_Up: step = QPointF(0, -kGrid); break;
    case Qt::Key_Down: step = QPointF(0, kGrid); break;
    default: QGraphicsScene::keyPressEvent(event); return;
    }
    const QList<int> ids = selectedNodeIds();
    if (ids.isEmpty() || focusItem()) {
        QGraphicsScene::keyPressEvent(event);
        return;
    }
    QHash<int, QPointF> positions;
    for (int id : ids)
        positions.insert(id, m_nodes.value(id)->pos() + step);
    m_editor->moveNodes(m_type, positions);
    event->accept();
}

void GraphScene::commitMoves()
{
    const ModuleType *t = m_project->type(m_type);
    if (!t)
        return;
    QHash<int, QPointF> modelPos;
    for (const Node &n : t->nodes)
        modelPos.insert(n.id, n.pos);
    QHash<int, QPointF> moved;
    const QList<QGraphicsItem *> items = selectedItems();
    for (QGraphicsItem *i : items) {
        if (i->type() != NodeItem::Type)
            continue;
        auto *n = static_cast<NodeItem *>(i);
        if (modelPos.contains(n->nodeId()) && modelPos.value(n->nodeId()) != n->pos())
            moved.insert(n->nodeId(), n->pos());
    }
    if (moved.isEmpty())
        return;
    if (EditResult r = m_editor->moveNodes(m_type, moved); !r) {
        Q_EMIT statusMessage(r.reason);
        syncType();
    }
}

void GraphScene::beginWireDrag(PortItem *port, QPointF scenePos)
{
    WireDrag drag;
    const int node = port->node()->nodeId();
    if (!port->isInput()) {
        drag.fromOutput = true;
        drag.anchor = PortRef{node, port->index()};
    } else {
        const ModuleType *t = m_project->type(m_type);
        const std::optional<Wire> existing = t ? t->wireInto(PortRef{node, port->index()}) : std::nullopt;
        if (existing) {
            // Pick the wire up by its input end: it follows the mouse from its source.
            drag.fromOutput = true;
            drag.anchor = existing->from;
            drag.lifted = existing;
            if (WireItem *w = wireItem(*existing))
                w->setVisible(false);
        } else {
            drag.fromOutput = false;
            drag.anchor = PortRef{node, port->index()};
        }
    }
    drag.path = new QGraphicsPathItem;
    drag.path->setZValue(5);
    drag.path->setPen(QPen(CanvasStyle::selection(palette()), 2, Qt::SolidLine, Qt::RoundCap));
    addItem(drag.path);
    m_wireDrag = drag;
    updateWireDrag(scenePos);
}

void GraphScene::updateWireDrag(QPointF scenePos)
{
    WireDrag &drag = *m_wireDrag;
    NodeItem *anchorNode = m_nodes.value(drag.anchor.node);
    if (!anchorNode) {
        clearWireDrag();
        return;
    }
    if (drag.target)
        drag.target->setMark(PortItem::Mark::None);
    drag.target = nullptr;
    drag.valid = false;

    // The port under the mouse, or the first port of the node under it that fits.
    const bool wantInput = drag.fromOutput;
    PortItem *target = portAt(scenePos, wantInput, kPortHitRadius + 4);
    QString reason;
    auto candidate = [&](PortItem *p) {
        const PortRef other{p->node()->nodeId(), p->index()};
        return drag.fromOutput ? Wire{drag.anchor, other} : Wire{other, drag.anchor};
    };
    auto check = [&](PortItem *p) {
        const Wire w = candidate(p);
        if (drag.lifted && w == *drag.lifted)
            return EditResult::success();
        return m_project->canAddWire(m_type, w);
    };
    if (!target) {
        QGraphicsItem *top = itemAt(scenePos, QTransform());
        while (top && top->type() != NodeItem::Type)
            top = top->parentItem();
        if (top && top != anchorNode) {
            auto *node = static_cast<NodeItem *>(top);
            for (int k = 0; k < node->portCount(wantInput) && !target; ++k)
                if (check(node->port(wantInput, k)))
                    target = node->port(wantInput, k);
            if (!target && node->portCount(wantInput) > 0)
                target = node->port(wantInput, 0);
        }
    }
    QPointF end = scenePos;
    bool mismatch = false;
    if (target) {
        const EditResult r = check(target);
        drag.target = target;
        drag.valid = r.ok;
        if (r.ok) {
            // Allowed; but would its size fit? Asked once per target port.
            const Wire w = candidate(target);
            if (!drag.tried || !(*drag.tried == w)) {
                drag.tried = w;
                drag.problem = drag.lifted && w == *drag.lifted ? QString() : m_editor->wireProblem(m_type, w, drag.lifted);
            }
            mismatch = !drag.problem.isEmpty();
            reason = drag.problem;
            end = target->scenePos();
        } else {
            reason = r.reason;
        }
        target->setMark(!r.ok ? PortItem::Mark::Refused : mismatch ? PortItem::Mark::Mismatch : PortItem::Mark::Accepted);
    }
    const QPointF anchorPos = anchorNode->portPos(!drag.fromOutput, drag.anchor.port);
    drag.path->setPath(drag.fromOutput ? WireItem::curve(anchorPos, end) : WireItem::curve(end, anchorPos));
    QPen pen = drag.path->pen();
    pen.setColor(target && !drag.valid ? CanvasStyle::error()
                 : mismatch                ? CanvasStyle::warning()
                                           : CanvasStyle::selection(palette()));
    pen.setStyle(target && !drag.valid ? Qt::DashLine : Qt::SolidLine);
    drag.path->setPen(pen);
    Q_EMIT statusMessage(reason);
}

void GraphScene::endWireDrag()
{
    const WireDrag drag = *m_wireDrag;
    std::optional<Wire> wanted;
    if (drag.target && drag.valid) {
        const PortRef other{drag.target->node()->nodeId(), drag.target->index()};
        wanted = drag.fromOutput ? Wire{drag.anchor, other} : Wire{other, drag.anchor};
    }
    const bool refused = drag.target && !drag.valid;
    clearWireDrag();
    EditResult r;
    if (drag.lifted) {
        if (wanted && *wanted == *drag.lifted)
            return;
        if (wanted)
            r = m_editor->reconnectWire(m_type, *drag.lifted, *wanted);
        else if (!refused)
            r = m_editor->removeWire(m_type, *drag.lifted);
    } else if (wanted) {
        r = m_editor->addWire(m_type, *wanted);
    }
    if (!r)
        Q_EMIT statusMessage(r.reason);
}

void GraphScene::clearWireDrag()
{
    if (!m_wireDrag)
        return;
    if (m_wireDrag->target)
        m_wireDrag->target->setMark(PortItem::Mark::None);
    if (m_wireDrag->lifted)
        if (WireItem *w = wireItem(*m_wireDrag->lifted))
            w->setVisible(true);
    delete m_wireDrag->path;
    m_wireDrag.reset();
}

} // namespace mc
