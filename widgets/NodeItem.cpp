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
#include <QTextLayout>

#include <cmath>
#include <memory>

namespace mc {

using namespace CanvasMetrics;

namespace {

/// A port's shape as the canvas shows it: `1×28×28`, `32`, `?`.
QString sizeText(const mc::Shapes &shapes, int index)
{
    return shapes.value(index).text();
}

/// The fonts of the canvas and their metrics, made once (again if the
/// application's font changes): a node paints often, a QFontMetricsF is not free.
struct Fonts
{
    explicit Fonts(const QFont &app)
        : bold(app), small(app), boldMetrics(bold), smallMetrics(small)
    {
        bold.setBold(true);
        if (small.pointSizeF() > 0)
            small.setPointSizeF(small.pointSizeF() * 0.85);
        else
            small.setPixelSize(std::max(8, int(small.pixelSize() * 0.85)));
        boldMetrics = QFontMetricsF(bold);
        smallMetrics = QFontMetricsF(small);
    }
    QFont bold;
    QFont small;
    QFontMetricsF boldMetrics;
    QFontMetricsF smallMetrics;
};

const Fonts &fonts()
{
    static std::unique_ptr<Fonts> cached;
    static QFont key;
    const QFont app = QApplication::font();
    if (!cached || !(app == key)) {
        key = app;
        cached = std::make_unique<Fonts>(app);
    }
    return *cached;
}

/// Lays `text` out once in `font`: painting the glyph runs later skips shaping.
NodeItem::Shaped shapeText(const QString &text, const QFont &font)
{
    NodeItem::Shaped out;
    if (text.isEmpty())
        return out;
    QTextLayout layout(text, font);
    layout.setCacheEnabled(true);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    layout.endLayout();
    if (!line.isValid())
        return out;
    out.runs = layout.glyphRuns();
    out.width = line.naturalTextWidth();
    out.ascent = line.ascent();
    return out;
}

/// Draws shaped text with its baseline starting at `baselineLeft`.
void draw(QPainter *painter, const NodeItem::Shaped &text, QPointF baselineLeft)
{
    const QPointF origin = baselineLeft - QPointF(0, text.ascent);
    for (const QGlyphRun &run : text.runs)
        painter->drawGlyphRun(origin, run);
}

/// Baseline of text centred vertically in a band from `top`, `height` high.
double baseline(const QFontMetricsF &fm, double top, double height)
{
    return top + (height + fm.ascent() - fm.descent()) / 2.0;
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
    m_texts.valid = false;
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
    m_texts.valid = false;
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

QString NodeItem::subtitleShown() const
{
    if (!m_texts.valid)
        updateTexts();
    return m_texts.subtitleText;
}

void NodeItem::updateTexts() const
{
    // Everything a paint writes, elided, shaped and measured once per change.
    const Fonts &f = fonts();
    Texts &t = m_texts;
    t = Texts{};
    const double w = width();
    // The header holds the name (and a link when shared); the footer's right
    // end holds the "has an inside" and frozen marks.
    const bool shared = m_look.calls > 1;
    const double footerMarks = (m_look.opens ? 18 : 0) + (m_look.frozen ? 16 : 0);
    if (m_look.kind == NodeKind::Call) {
        t.title = shapeText(f.boldMetrics.elidedText(m_look.title, Qt::ElideRight, w - 20 - (shared ? 22 : 0)), f.bold);
        const QString subtitle = shared ? QStringLiteral("%1 · %2 calls").arg(m_look.subtitle).arg(m_look.calls)
                                        : m_look.subtitle;
        t.subtitleText = f.smallMetrics.elidedText(subtitle, Qt::ElideRight, w - 20);
        t.subtitle = shapeText(t.subtitleText, f.small);
        for (int k = 0; k < m_look.inputs.size(); ++k) {
            t.inNames.append(shapeText(m_look.inputs.at(k), f.small));
            t.inSizes.append(shapeText(sizeText(m_status.in, k), f.small));
        }
        for (int k = 0; k < m_look.outputs.size(); ++k) {
            t.outNames.append(shapeText(m_look.outputs.at(k), f.small));
            t.outSizes.append(shapeText(sizeText(m_status.out, k), f.small));
        }
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
        t.footer = shapeText(f.smallMetrics.elidedText(footer, Qt::ElideRight, w - 20 - footerMarks), f.small);
    } else {
        const bool input = m_look.kind == NodeKind::Input;
        const double textWidth = w - 28;
        t.title = shapeText(f.boldMetrics.elidedText(m_look.title, Qt::ElideRight, textWidth), f.bold);
        const QString size = input ? sizeText(m_status.out, 0) : sizeText(m_status.in, 0);
        // `input · 10`; where a shape does not fit beside the word (`1×28×28`
        // in a port's width) the shape alone, which is what the user looks for.
        QString subtitle = QStringLiteral("%1 · %2").arg(m_look.subtitle, size);
        if (f.smallMetrics.horizontalAdvance(subtitle) > textWidth)
            subtitle = size;
        t.subtitleText = f.smallMetrics.elidedText(subtitle, Qt::ElideRight, textWidth);
        t.subtitle = shapeText(t.subtitleText, f.small);
    }
    t.valid = true;
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing, lod > 0.2);
    painter->setRenderHint(QPainter::TextAntialiasing);
    const bool detailed = lod >= 0.4;
    if (lod < 0.2) {
        // Far out: a block in the category's colour, outlined when selected or wrong.
        const QRectF r(0, 0, width(), height());
        QColor c = m_look.kind == NodeKind::Call ? CanvasStyle::category(m_look.category, pal)
                                                 : CanvasStyle::category(QStringLiteral("Port"), pal);
        if (option->state & QStyle::State_Selected)
            c = CanvasStyle::selection(pal);
        else if (!m_status.errors.isEmpty())
            c = CanvasStyle::error();
        painter->fillRect(r, c);
        return;
    }
    if (detailed && !m_texts.valid)
        updateTexts();
    paintOutline(painter, pal, option->state & QStyle::State_Selected);
    if (m_look.kind == NodeKind::Call)
        paintCall(painter, pal, detailed);
    else
        paintPort(painter, pal, detailed);
    if (m_twin && !(option->state & QStyle::State_Selected)) {
        painter->setPen(QPen(CanvasStyle::selection(pal), 2.0, Qt::DashLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(QRectF(-3, -3, width() + 6, height() + 6), kCorner + 3, kCorner + 3);
    }
    if (!m_status.errors.isEmpty())
        drawBadge(painter, QPointF(width(), 0), CanvasStyle::error());
    else if (!m_status.warnings.isEmpty() && detailed)
        drawBadge(painter, QPointF(width(), 0), CanvasStyle::warning());
}

void NodeItem::paintOutline(QPainter *painter, const QPalette &pal, bool selected)
{
    // The border is a filled shape behind the body: filling is much cheaper
    // than stroking a rounded outline, and this is drawn for every node.
    double width = 1.0;
    QColor color = CanvasStyle::nodeBorder(pal);
    if (!m_status.errors.isEmpty()) {
        width = 2.0;
        color = CanvasStyle::error();
    }
    if (selected) {
        width = 2.5;
        color = CanvasStyle::selection(pal);
    }
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawRoundedRect(QRectF(-width, -width, this->width() + 2 * width, height() + 2 * width),
                             kCorner + width, kCorner + width);
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
    QColor band = CanvasStyle::category(m_look.category, pal);
    if (m_look.frozen)
        band = CanvasStyle::mix(band, CanvasStyle::nodeBody(pal), 0.45);
    painter->setBrush(band);
    painter->drawRoundedRect(QRectF(0, 0, w, kHeader), kCorner, kCorner);
    painter->drawRect(QRectF(0, kHeader - kCorner, w, kCorner));
    if (!detailed)
        return;
    const Fonts &f = fonts();
    const Texts &t = m_texts;

    // The shared-instance link at the right of the header.
    const QColor onBand(255, 255, 255, 235);
    if (m_look.calls > 1)
        drawLink(painter, QPointF(w - 14, 13), onBand);

    painter->setPen(Qt::white);
    draw(painter, t.title, QPointF(10, baseline(f.boldMetrics, 3, 20)));
    painter->setPen(onBand);
    draw(painter, t.subtitle, QPointF(10, baseline(f.smallMetrics, 21, 16)));

    // Port rows: name and size, inputs left, outputs right.
    const QColor text = CanvasStyle::text(pal);
    const QColor dim = CanvasStyle::dimText(pal);
    for (int k = 0; k < t.inNames.size(); ++k) {
        const double y = baseline(f.smallMetrics, kHeader + k * kRow, kRow);
        painter->setPen(text);
        draw(painter, t.inNames.at(k), QPointF(10, y));
        painter->setPen(dim);
        draw(painter, t.inSizes.at(k), QPointF(10 + t.inNames.at(k).width + 5, y));
    }
    for (int k = 0; k < t.outNames.size(); ++k) {
        const double y = baseline(f.smallMetrics, kHeader + k * kRow, kRow);
        const double right = w - 10;
        painter->setPen(text);
        draw(painter, t.outNames.at(k), QPointF(right - t.outNames.at(k).width, y));
        painter->setPen(dim);
        draw(painter, t.outSizes.at(k), QPointF(right - t.outNames.at(k).width - 5 - t.outSizes.at(k).width, y));
    }

    // Footer: parameter count.
    const double fy = h - kFooter;
    painter->fillRect(QRectF(1, fy - 0.5, w - 2, 1), CanvasStyle::mix(CanvasStyle::nodeBody(pal), text, 0.15));
    painter->setPen(dim);
    draw(painter, t.footer, QPointF(10, baseline(f.smallMetrics, fy, kFooter)));
    double markX = w - 13;
    if (m_look.opens) {
        drawOpens(painter, QPointF(markX, fy + kFooter / 2), dim);
        markX -= 18;
    }
    if (m_look.frozen)
        drawLock(painter, QPointF(markX, fy + kFooter / 2 + 1), dim);
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
    painter->setBrush(CanvasStyle::category(QStringLiteral("Port"), pal));
    painter->save();
    painter->setClipRect(input ? QRectF(0, 0, 8, h) : QRectF(w - 8, 0, 8, h));
    painter->drawRoundedRect(body, kCorner, kCorner);
    painter->restore();
    if (!detailed)
        return;
    const Fonts &f = fonts();
    const double left = input ? 16 : 12;
    painter->setPen(CanvasStyle::text(pal));
    draw(painter, m_texts.title, QPointF(left, baseline(f.boldMetrics, 5, 20)));
    painter->setPen(CanvasStyle::dimText(pal));
    draw(painter, m_texts.subtitle, QPointF(left, baseline(f.smallMetrics, 25, 18)));
}

} // namespace mc
