#include "WireItem.h"

#include "CanvasStyle.h"
#include "NodeItem.h"

#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>

#include <cmath>

namespace mc {

WireItem::WireItem(const Wire &wire, NodeItem *from, NodeItem *to) : m_wire(wire), m_from(from), m_to(to)
{
    setFlag(ItemIsSelectable);
    setZValue(-1);
    updatePath();
}

QPainterPath WireItem::curve(QPointF a, QPointF b)
{
    const double dx = std::max(40.0, std::abs(b.x() - a.x()) * 0.5);
    QPainterPath p(a);
    p.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b);
    return p;
}

void WireItem::updatePath()
{
    const QPointF a = m_from->portPos(false, m_wire.from.port);
    const QPointF b = m_to->portPos(true, m_wire.to.port);
    prepareGeometryChange();
    m_path = curve(a, b);
    m_bounds = m_path.controlPointRect().adjusted(-6, -6, 6, 6);
    m_shape = QPainterPath(); // made when asked: a drag moves wires often, clicks are rare
}

void WireItem::setProblem(const QString &problem)
{
    if (m_problem == problem)
        return;
    m_problem = problem;
    setToolTip(problem);
    update();
}

QRectF WireItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath WireItem::shape() const
{
    if (m_shape.isEmpty()) {
        QPainterPathStroker stroker;
        stroker.setWidth(10);
        m_shape = stroker.createStroke(m_path);
    }
    return m_shape;
}

void WireItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    QColor color = CanvasStyle::wire(pal);
    double width = 2.0;
    if (!m_problem.isEmpty())
        color = CanvasStyle::error();
    if (option->state & QStyle::State_Selected) {
        color = CanvasStyle::selection(pal);
        width = 3.0;
    }
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    if (lod < 0.3) {
        // Far out a wire is a few pixels long: a straight cosmetic line will do.
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setPen(QPen(color, 0));
        painter->drawLine(m_path.elementAt(0), m_path.currentPosition());
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    QPen pen(color, width, m_problem.isEmpty() ? Qt::SolidLine : Qt::DashLine, Qt::RoundCap);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
}

} // namespace mc
