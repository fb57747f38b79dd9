#include "NodeItem.h"

#include "CanvasMetrics.h"
#include "CanvasStyle.h"
#include "GraphScene.h"
#include "PortItem.h"
#include "WireItem.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <cmath>

using namespace CanvasMetrics;

namespace {

QString sizeText(const QList<int> &sizes, int index)
{
    const int s = sizes.value(index, -1);
    return s > 0 ? QString::number(s) : QStringLiteral("?");
}

QFont titleFont()
{
    QFont f = QApplication::font();
    f.setBold(true);
    return f;
}

QFont smallFont()
{
    QFont f = QApplication::font();
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * 0.85);
    else
        f.setPixelSize(std::max(8, int(f.pixelSize() * 0.85)));
    return f;
}

/// A chain link: the shared-instance marker.
void drawLink(QPainter *p, QPointF c, const QColor &color)
{
    p->save();
    p->translate(c);
    p->rotate(-45);
    p->setPen(QPen(color, 1.5));
    p->setBrush(Qt::NoBrush);
    p->drawRoundedRect(QRectF(-6.5, -2.5, 8, 5), 2.5, 2.5);
    p->drawRoundedRect(QRectF(-1.5, -2.5, 8, 5), 2.5, 2.5);
    p->restore();
}

/// A padlock: the frozen marker.
void drawLock(QPainter *p, QPointF c, const QColor &color)
{
    p->save();
    p->setPen(QPen(color, 1.3));
    p->setBrush(Qt::NoBrush);
    p->drawArc(QRectF(c.x() - 3, c.y() - 6, 6, 7), 0, 180 * 16);
    p->setBrush(color);
    p->drawRoundedRect(QRectF(c.x() - 4.5, c.y() - 2, 9, 7), 1.5, 1.5);
    p->restore();
}

/// Two stacked frames: "this node has an inside; double-click to open it".
void drawOpens(QPainter *p, QPointF c, const QColor &color)
{
    p->save();
    p->setPen(QPen(color, 1.3));
    p->setBrush(Qt::NoBrush);
    p->drawRect(QRectF(c.x() - 5, c.y() - 3, 7, 7));
    p->drawPolyline(QPolygonF({QPointF(c.x() - 2, c.y() - 5), QPointF(c.x() + 4, c.y() - 5),
                               QPointF(c.x() + 4, c.y() + 1)}));
    p->restore();
}

void drawBadge(QPainter *p, QPointF c, const QColor &color)
{
    p->save();
    p->setPen(QPen(Qt::white, 1.5));
    p->setBrush(color);
    p->drawEllipse(c, 8, 8);
    p->setPen(QPen(Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap));
    p->drawLine(c + QPointF(0, -4), c + QPointF(0, 1));
    p->drawPoint(c + QPointF(0, 4));
    p->restore();
}

} // namespace

bool NodeItem::Look::operator==(const Look &o) const
{
    return kind == o.kind && title == o.title && subtitle == o.subtitle && category == o.category &&
           inputs == o.inputs && outputs == o.outputs && calls == o.calls && frozen == o.frozen &&
           opens == o.opens && hasParameters == o.hasParameters && detail == o.detail;
}

bool NodeItem::Status::operator==(const Status &o) const
{
    return in == o.in && out == o.out && params == o.params && trainable == o.trainable &&
           errors == o.errors && warnings == o.warnings;
}

NodeItem::NodeItem(int id, const Look &look) : m_id(id), m_look(look)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(false);
    rebuildPorts();
    updateToolTip();
}

void NodeItem::setLook(const Look &look)
{
    if (look == m_look)
        return;
    const bool resize = look.kind != m_look.kind || look.inputs.size() != m_look.inputs.size() ||
                        look.outputs.size() != m_look.outputs.size();
    if (resize)
        prepareGeometryChange();
    m_look = look;
    if (resize) {
        rebuildPorts();
        for (WireItem *w : std::as_const(m_wires))
            w->updatePath();
    }
    updateToolTip();
    update();
}

void NodeItem::setStatus(const Status &status)
{
    if (status == m_status)
        return;
    m_status = status;
    updateToolTip();
    update();
}

void NodeItem::setTwinHighlight(bool on)
{
    if (m_twin != on) {
        m_twin = on;
        update();
    }
}

void NodeItem::setPosFromModel(QPointF p)
{
    m_fromModel = true;
    setPos(p);
    m_fromModel = false;
}

double NodeItem::width() const
{
    return nodeWidth(m_look.kind);
}

double NodeItem::height() const
{
    return nodeHeight(m_look.kind, int(m_look.inputs.size()), int(m_look.outputs.size()));
}

void NodeItem::rebuildPorts()
{
    for (PortItem *p : std::as_const(m_inputs))
        delete p;
    for (PortItem *p : std::as_const(m_outputs))
        delete p;
    m_inputs.clear();
    m_outputs.clear();
    for (int k = 0; k < m_look.inputs.size(); ++k) {
        auto *p = new PortItem(this, true, k);
        p->setPos(mapFromScene(portPos(true, k)));
        m_inputs.append(p);
    }
    for (int k = 0; k < m_look.outputs.size(); ++k) {
        auto *p = new PortItem(this, false, k);
        p->setPos(mapFromScene(portPos(false, k)));
        m_outputs.append(p);
    }
    for (WireItem *w : std::as_const(m_wires)) {
        if (w->toNode() == this)
            if (PortItem *p = port(true, w->wire().to.port))
                p->setConnected(true);
        if (w->fromNode() == this)
            if (PortItem *p = port(false, w->wire().from.port))
                p->setConnected(true);
    }
}

PortItem *NodeItem::port(bool input, int index) const
{
    return (input ? m_inputs : m_outputs).value(index, nullptr);
}

int NodeItem::portCount(bool input) const
{
    return int((input ? m_inputs : m_outputs).size());
}

QPointF NodeItem::portPos(bool input, int index) const
{
    const double x = input ? 0.0 : width();
    double y;
    if (m_look.kind != NodeKind::Call)
        y = height() / 2;
    else
        y = kHeader + kRow * (index + 0.5);
    if (index >= (input ? m_look.inputs : m_look.outputs).size()) // A wire to a port that no longer exists (a broken document).
        y = height();
    return pos() + QPointF(x, y);
}

void NodeItem::attachWire(WireItem *wire)
{
    m_wires.append(wire);
    if (wire->toNode() == this)
        if (PortItem *p = port(true, wire->wire().to.port))
            p->setConnected(true);
    if (wire->fromNode() == this)
        if (PortItem *p = port(false, wire->wire().from.port))
            p->setConnected(true);
}

void NodeItem::detachWire(WireItem *wire)
{
    m_wires.removeOne(wire);
    if (wire->toNode() == this)
        if (PortItem *p = port(true, wire->wire().to.port))
            p->setConnected(false);
    if (wire->fromNode() == this) {
        const int port = wire->wire().from.port;
        bool stillUsed = false;
        for (WireItem *w : std::as_const(m_wires))
            stillUsed = stillUsed || (w->fromNode() == this && w->wire().from.port == port);
        if (PortItem *p = this->port(false, port))
            p->setConnected(stillUsed);
    }
}

QRectF NodeItem::boundingRect() const
{
    return QRectF(0, 0, width(), height()).adjusted(-10, -10, 10, 10);
}

QPainterPath NodeItem::shape() const
{
    QPainterPath p;
    p.addRoundedRect(QRectF(0, 0, width(), height()), kCorner, kCorner);
    return p;
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    if (change == ItemPositionChange && !m_fromModel) {
        auto *gs = qobject_cast<GraphScene *>(scene());
        if (gs && gs->snapToGrid()) {
            const QPointF p = value.toPointF();
            return QPointF(std::round(p.x() / kGrid) * kGrid, std::round(p.y() / kGrid) * kGrid);
        }
    } else if (change == ItemPositionHasChanged) {
        for (WireItem *w : std::as_const(m_wires))
            w->updatePath();
    }
    return QGraphicsItem::itemChange(change, value);
}

void NodeItem::updateToolTip()
{
    QStringList lines;
    for (const QString &e : std::as_const(m_status.errors))
        lines.append(QStringLiteral("⚠ ") + e);
    for (const QString &w : std::as_const(m_status.warnings))
        lines.append(w);
    if (!m_look.detail.isEmpty())
        lines.append(m_look.detail);
    if (m_look.calls > 1)
        lines.append(QStringLiteral("Shared: `%1` is called %2 times; its parameters exist once.")
                         .arg(m_look.title).arg(m_look.calls));
    if (m_look.opens)
        lines.append(QStringLiteral("Double-click to open it."));
    setToolTip(lines.join(QLatin1Char('\n')));
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing, lod > 0.2);
    painter->setRenderHint(QPainter::TextAntialiasing);
    const bool detailed = lod >= 0.4;
    if (m_look.kind == NodeKind::Call)
        paintCall(painter, pal, detailed);
    else
        paintPort(painter, pal, detailed);
    paintOutline(painter, pal, option->state & QStyle::State_Selected);
    if (!m_status.errors.isEmpty())
        drawBadge(painter, QPointF(width(), 0), CanvasStyle::error());
    else if (!m_status.warnings.isEmpty() && detailed)
        drawBadge(painter, QPointF(width(), 0), CanvasStyle::warning());
}

void NodeItem::paintOutline(QPainter *painter, const QPalette &pal, bool selected)
{
    const QRectF r(0, 0, width(), height());
    QPen pen(CanvasStyle::nodeBorder(pal), 1.0);
    if (!m_status.errors.isEmpty())
        pen = QPen(CanvasStyle::error(), 2.0);
    if (m_twin)
        pen = QPen(CanvasStyle::selection(pal), 2.0, Qt::DashLine);
    if (selected)
        pen = QPen(CanvasStyle::selection(pal), 2.5);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(r, kCorner, kCorner);
}

void NodeItem::paintCall(QPainter *painter, const QPalette &pal, bool detailed)
{
    const double w = width();
    const double h = height();
    const QRectF body(0, 0, w, h);
    painter->setPen(Qt::NoPen);
    painter->setBrush(CanvasStyle::nodeBody(pal));
    painter->drawRoundedRect(body, kCorner, kCorner);

    // Header band in the category's colour, rounded at the top only.
    QPainterPath header;
    header.addRoundedRect(QRectF(0, 0, w, kHeader), kCorner, kCorner);
    QPainterPath square;
    square.addRect(QRectF(0, kHeader / 2, w, kHeader / 2));
    header = header.united(square);
    QColor band = CanvasStyle::category(m_look.category, pal);
    if (m_look.frozen)
        band = CanvasStyle::mix(band, CanvasStyle::nodeBody(pal), 0.45);
    painter->setBrush(band);
    painter->drawPath(header);
    if (!detailed)
        return;

    // Markers at the right of the header: open, shared, frozen.
    double markerX = w - 12;
    const QColor onBand(255, 255, 255, 235);
    if (m_look.opens) {
        drawOpens(painter, QPointF(markerX, 13), onBand);
        markerX -= 17;
    }
    const QFont small = smallFont();
    if (m_look.calls > 1) {
        painter->setFont(small);
        const QString count = QStringLiteral("×%1").arg(m_look.calls);
        const double cw = QFontMetricsF(small).horizontalAdvance(count);
        painter->setPen(onBand);
        painter->drawText(QRectF(markerX - cw + 6, 4, cw, 18), Qt::AlignRight | Qt::AlignVCenter, count);
        drawLink(painter, QPointF(markerX - cw - 2, 13), onBand);
        markerX -= cw + 18;
    }
    if (m_look.frozen) {
        drawLock(painter, QPointF(markerX, 13), onBand);
        markerX -= 16;
    }

    const QFont bold = titleFont();
    painter->setFont(bold);
    painter->setPen(Qt::white);
    const QFontMetricsF fmBold(bold);
    painter->drawText(QRectF(10, 3, markerX - 4, 20), Qt::AlignLeft | Qt::AlignVCenter,
                      fmBold.elidedText(m_look.title, Qt::ElideRight, markerX - 4));
    painter->setFont(small);
    const QFontMetricsF fm(small);
    painter->setPen(onBand);
    painter->drawText(QRectF(10, 21, w - 20, 16), Qt::AlignLeft | Qt::AlignVCenter,
                      fm.elidedText(m_look.subtitle, Qt::ElideRight, w - 20));

    // Port rows: name and size, inputs left, outputs right.
    const QColor text = CanvasStyle::text(pal);
    const QColor dim = CanvasStyle::dimText(pal);
    const int rows = std::max({int(m_look.inputs.size()), int(m_look.outputs.size()), 1});
    for (int k = 0; k < rows; ++k) {
        const QRectF row(10, kHeader + k * kRow, w - 20, kRow);
        if (k < m_look.inputs.size()) {
            const QString name = m_look.inputs.at(k);
            const double nw = fm.horizontalAdvance(name);
            painter->setPen(text);
            painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter, name);
            painter->setPen(dim);
            painter->drawText(row.adjusted(nw + 5, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                              sizeText(m_status.in, k));
        }
        if (k < m_look.outputs.size()) {
            const QString name = m_look.outputs.at(k);
            const double nw = fm.horizontalAdvance(name);
            painter->setPen(text);
            painter->drawText(row, Qt::AlignRight | Qt::AlignVCenter, name);
            painter->setPen(dim);
            painter->drawText(row.adjusted(0, 0, -(nw + 5), 0), Qt::AlignRight | Qt::AlignVCenter,
                              sizeText(m_status.out, k));
        }
    }

    // Footer: parameter count.
    const double fy = h - kFooter;
    painter->setPen(QPen(CanvasStyle::mix(CanvasStyle::nodeBody(pal), text, 0.15), 1.0));
    painter->drawLine(QPointF(1, fy), QPointF(w - 1, fy));
    QString footer;
    if (!m_look.hasParameters)
        footer = QStringLiteral("operator");
    else if (m_status.params < 0)
        footer = QStringLiteral("? params");
    else if (m_status.params == 1)
        footer = QStringLiteral("1 param");
    else
        footer = QStringLiteral("%1 params").arg(QLocale().toString(m_status.params));
    if (m_look.frozen && m_look.hasParameters)
        footer += QStringLiteral(" · frozen");
    else if (m_status.params > 0 && m_status.trainable >= 0 && m_status.trainable < m_status.params)
        footer += QStringLiteral(" · %1 trainable").arg(QLocale().toString(m_status.trainable));
    painter->setPen(dim);
    painter->drawText(QRectF(10, fy, w - 20, kFooter), Qt::AlignLeft | Qt::AlignVCenter,
                      fm.elidedText(footer, Qt::ElideRight, w - 20));
}

void NodeItem::paintPort(QPainter *painter, const QPalette &pal, bool detailed)
{
    const double w = width();
    const double h = height();
    const QRectF body(0, 0, w, h);
    painter->setPen(Qt::NoPen);
    painter->setBrush(CanvasStyle::nodeBody(pal));
    painter->drawRoundedRect(body, kCorner, kCorner);
    // A coloured edge on the side the data comes from (inputs) or leaves by (outputs).
    const bool input = m_look.kind == NodeKind::Input;
    QPainterPath edge;
    edge.addRoundedRect(body, kCorner, kCorner);
    QPainterPath strip;
    strip.addRect(input ? QRectF(0, 0, 8, h) : QRectF(w - 8, 0, 8, h));
    painter->setBrush(CanvasStyle::category(QStringLiteral("Port"), pal));
    painter->drawPath(edge.intersected(strip));
    if (!detailed)
        return;
    const QFont bold = titleFont();
    const QFont small = smallFont();
    const double left = input ? 16 : 12;
    const double textWidth = w - 28;
    painter->setFont(bold);
    painter->setPen(CanvasStyle::text(pal));
    painter->drawText(QRectF(left, 5, textWidth, 20), Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(bold).elidedText(m_look.title, Qt::ElideRight, textWidth));
    painter->setFont(small);
    painter->setPen(CanvasStyle::dimText(pal));
    const QString size = input ? sizeText(m_status.out, 0) : sizeText(m_status.in, 0);
    const QString line = QStringLiteral("%1 · %2").arg(m_look.subtitle, size);
    painter->drawText(QRectF(left, 25, textWidth, 18), Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(small).elidedText(line, Qt::ElideRight, textWidth));
}
