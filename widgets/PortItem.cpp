#include "PortItem.h"

#include "CanvasMetrics.h"
#include "CanvasStyle.h"
#include "NodeItem.h"

#include <QCursor>
#include <QGraphicsScene>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace mc {

PortItem::PortItem(NodeItem *node, bool input, int index)
    : QGraphicsItem(node), m_node(node), m_input(input), m_index(index)
{
    setAcceptHoverEvents(true);
    setCursor(Qt::CrossCursor);
    setZValue(1);
}

void PortItem::setConnected(bool connected)
{
    if (m_connected != connected) {
        m_connected = connected;
        update();
    }
}

void PortItem::setMark(Mark mark)
{
    if (m_mark != mark) {
        m_mark = mark;
        update();
    }
}

QRectF PortItem::boundingRect() const
{
    const double r = CanvasMetrics::kPortHitRadius;
    return QRectF(-r, -r, 2 * r, 2 * r);
}

QPainterPath PortItem::shape() const
{
    QPainterPath p;
    p.addEllipse(boundingRect());
    return p;
}

void PortItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    if (option->levelOfDetailFromTransform(painter->worldTransform()) < 0.3 && m_mark == Mark::None)
        return; // A dot of a pixel or two: the node's edge says enough.
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    double r = CanvasMetrics::kPortRadius;
    QColor ring = CanvasStyle::wire(pal);
    QColor fill = m_connected ? CanvasStyle::wire(pal) : CanvasStyle::nodeBody(pal);
    if (m_hovered)
        r += 1.5;
    if (m_mark == Mark::Accepted) {
        ring = CanvasStyle::accept();
        fill = ring;
        r += 2;
    } else if (m_mark == Mark::Mismatch) {
        ring = CanvasStyle::warning();
        fill = ring;
        r += 2;
    } else if (m_mark == Mark::Refused) {
        ring = CanvasStyle::error();
        fill = CanvasStyle::nodeBody(pal);
        r += 1;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    // A ring as two fills: cheaper than a stroked circle.
    painter->setPen(Qt::NoPen);
    painter->setBrush(ring);
    painter->drawEllipse(QPointF(0, 0), r + 0.8, r + 0.8);
    if (fill != ring) {
        painter->setBrush(fill);
        painter->drawEllipse(QPointF(0, 0), r - 0.8, r - 0.8);
    }
    if (m_mark == Mark::Mismatch) {
        // An exclamation mark: it connects, and it will be a problem.
        painter->setPen(QPen(CanvasStyle::nodeBody(pal), 1.6, Qt::SolidLine, Qt::RoundCap));
        painter->drawLine(QPointF(0, -r * 0.55), QPointF(0, r * 0.1));
        painter->drawPoint(QPointF(0, r * 0.5));
    }
    if (m_mark == Mark::Refused) {
        painter->setPen(QPen(ring, 1.6, Qt::SolidLine, Qt::RoundCap));
        const double d = r * 0.55;
        painter->drawLine(QPointF(-d, -d), QPointF(d, d));
        painter->drawLine(QPointF(-d, d), QPointF(d, -d));
    }
}

void PortItem::hoverEnterEvent(QGraphicsSceneHoverEvent *)
{
    m_hovered = true;
    update();
}

void PortItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *)
{
    m_hovered = false;
    update();
}

} // namespace mc
