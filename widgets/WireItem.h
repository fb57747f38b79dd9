#pragma once

#include "document/GraphTypes.h"

#include <QGraphicsItem>
#include <QPainterPath>

namespace mc {

class NodeItem;

/// A wire on the canvas, from an output port to an input port. Keeps the
/// document's Wire value (node ids and port numbers) and the two node items it
/// joins, which the scene owns and keeps alive while the wire exists.
class WireItem : public QGraphicsItem
{
public:
    enum { Type = QGraphicsItem::UserType + 3 };

    WireItem(const Wire &wire, NodeItem *from, NodeItem *to);

    int type() const override { return Type; }
    const Wire &wire() const { return m_wire; }
    NodeItem *fromNode() const { return m_from; }
    NodeItem *toNode() const { return m_to; }
    /// Follows the ports after a node moved or changed its ports.
    void updatePath();
    /// Marks the wire as wrong, with the sentence as its tooltip; empty clears.
    void setProblem(const QString &problem);
    QString problem() const { return m_problem; }

    /// The curve a wire from `a` (an output) to `b` (an input) takes.
    static QPainterPath curve(QPointF a, QPointF b);

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    Wire m_wire;
    NodeItem *m_from;
    NodeItem *m_to;
    QPainterPath m_path;
    QRectF m_bounds;
    mutable QPainterPath m_shape;
    QString m_problem;
};

} // namespace mc
