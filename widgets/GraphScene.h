#pragma once

#include "document/GraphTypes.h"
#include "NodeItem.h"

#include <QGraphicsScene>
#include <QHash>

#include <optional>

class QGraphicsPathItem;
class QGraphicsRectItem;

namespace mc {

class DocumentEditor;
class PortItem;
class Project;
class WireItem;

/// The canvas of one module type. Its items are built from Project's signals
/// and updated one by one (a node added, a wire removed, an instance renamed);
/// a whole type replaced (undo) is diffed against the items by node id and
/// wire, so only what changed is touched. Items keep ids, never pointers into
/// the document. Edits the mouse makes (moves, wires, shared calls) go to the
/// DocumentEditor as commands.
class GraphScene : public QGraphicsScene
{
    Q_OBJECT
public:
    explicit GraphScene(DocumentEditor *editor, QObject *parent = nullptr);
    ~GraphScene() override;

    DocumentEditor *editor() const { return m_editor; }
    /// The module type shown.
    QString typeName() const { return m_type; }
    /// Shows another module type (builds its items).
    void setTypeName(const QString &type);

    NodeItem *nodeItem(int id) const { return m_nodes.value(id); }
    WireItem *wireItem(const Wire &wire) const { return m_wires.value(wireKey(wire)); }
    int nodeCount() const { return int(m_nodes.size()); }
    int wireCount() const { return int(m_wires.size()); }
    QList<int> selectedNodeIds() const;
    QList<Wire> selectedWires() const;
    /// Replaces the selection by these nodes.
    void selectNodes(const QList<int> &ids);
    QRectF nodesBoundingRect() const;

    bool snapToGrid() const { return m_snap; }
    void setSnapToGrid(bool on) { m_snap = on; }

    /// Sizes, parameter counts and problems from the editor's latest analysis.
    void applyAnalysis();

    static QString wireKey(const Wire &wire);

Q_SIGNALS:
    /// A node was double-clicked (open its inside, or edit it).
    void nodeActivated(int node);
    /// A sentence for the status bar (why a wire is refused, …).
    void statusMessage(const QString &text);
    /// The shown type was renamed; the scene follows it.
    void typeNameChanged(const QString &type);
    /// The shown type no longer exists (removed, or a new document).
    void typeVanished();
    /// Every item was rebuilt (another type shown, or a new document).
    void rebuilt();

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    struct WireDrag
    {
        bool fromOutput = true;          ///< The fixed end is an output port.
        PortRef anchor;                  ///< The fixed end.
        std::optional<Wire> lifted;      ///< An existing wire picked up by its input end.
        PortItem *target = nullptr;      ///< The port under the mouse.
        bool valid = false;
        QGraphicsPathItem *path = nullptr;
        std::optional<Wire> tried;       ///< The last wire the analysis was asked about,
        QString problem;                 ///< and the error it would cause (empty: none).
    };
    struct ShareDrag
    {
        int node = 0;
        QPointF grab;                    ///< Mouse position relative to the node.
        QGraphicsRectItem *ghost = nullptr;
    };

    void rebuild();
    void syncType();
    NodeItem::Look lookFor(const ModuleType &t, const Node &n, int calls) const;
    NodeItem *createNode(const ModuleType &t, const Node &n, int calls);
    void removeNodeItem(int id);
    void createWire(const Wire &wire);
    void removeWireItem(const Wire &wire);
    void refreshNode(int id);
    void refreshCallsOf(const QString &instance);
    void refreshUsersOf(const QString &type);
    void updateTwins();
    void commitMoves();

    PortItem *portAt(QPointF scenePos, std::optional<bool> input, double radius) const;
    void beginWireDrag(PortItem *port, QPointF scenePos);
    void updateWireDrag(QPointF scenePos);
    void endWireDrag();
    void clearWireDrag();

    // Project signals.
    void onReset();
    void onTypeRenamed(const QString &from, const QString &to);
    void onTypeRemoved(const QString &type);
    void onTypeChanged(const QString &type);
    void onNodeAdded(const QString &type, int node);
    void onNodeRemoved(const QString &type, int node);
    void onNodeMoved(const QString &type, int node, QPointF pos);
    void onNodeChanged(const QString &type, int node);
    void onWireAdded(const QString &type, const Wire &wire);
    void onWireRemoved(const QString &type, const Wire &wire);
    void onInstanceRenamed(const QString &type, const QString &from, const QString &to);
    void onInstanceChanged(const QString &type, const QString &instance);

    DocumentEditor *m_editor;
    Project *m_project;
    QString m_type;
    QHash<int, NodeItem *> m_nodes;
    QHash<QString, WireItem *> m_wires;
    bool m_snap = true;
    std::optional<WireDrag> m_wireDrag;
    std::optional<ShareDrag> m_shareDrag;
    bool m_pressedOnNode = false;
};

} // namespace mc
