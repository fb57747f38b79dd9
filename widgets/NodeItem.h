#pragma once

#include "document/GraphTypes.h"

#include <QGlyphRun>
#include <QGraphicsItem>
#include <QList>
#include <QStringList>

namespace mc {

class PortItem;
class WireItem;

/// A node on the canvas: an Input, an Output, or a call of an instance with its
/// name, type, ports, inferred sizes and parameter count. It keeps the node id
/// and what it shows (Look from the document, Status from the Analysis), never
/// a pointer into the document; the scene refreshes both from signals.
class NodeItem : public QGraphicsItem
{
public:
    enum { Type = QGraphicsItem::UserType + 1 };

    /// What the document says about the node.
    struct Look
    {
        NodeKind kind = NodeKind::Call;
        QString title;       ///< Instance name, or port name.
        QString subtitle;    ///< Type (`Linear`, `Encoder`, `Stack of Block × 3`), or `input`/`output`.
        QString category;    ///< Colour: a layer category, "Module", "Stack" or "Port".
        QStringList inputs;  ///< Input port names.
        QStringList outputs; ///< Output port names.
        int calls = 1;       ///< Calls of the instance (more than one: shared).
        bool frozen = false;
        bool opens = false;  ///< A module type or stack: double-click opens it.
        bool hasParameters = true; ///< Whether a parameter count makes sense (not for operators).
        QString detail;      ///< Tooltip: the layer's doc or the type's description.
        bool operator==(const Look &o) const;
        bool operator!=(const Look &o) const { return !(*this == o); }
    };

    /// What the Analysis says about the node.
    struct Status
    {
        mc::Shapes in;        ///< Shape at each input port (unknown while it cannot be told).
        mc::Shapes out;       ///< Shape at each output port.
        qint64 params = -1;   ///< -1: unknown.
        qint64 trainable = -1;
        QStringList errors;   ///< Sentences from the diagnostics.
        QStringList warnings;
        bool operator==(const Status &o) const;
        bool operator!=(const Status &o) const { return !(*this == o); }
    };

    /// A line of text shaped once (glyphs and positions), drawn many times.
    struct Shaped
    {
        QList<QGlyphRun> runs;
        double width = 0;
        double ascent = 0;
    };

    NodeItem(int id, const Look &look);

    int type() const override { return Type; }
    int nodeId() const { return m_id; }
    const Look &look() const { return m_look; }
    const Status &status() const { return m_status; }
    void setLook(const Look &look);
    void setStatus(const Status &status);
    /// Drawn with a dashed outline: a twin of a selected node (same instance).
    void setTwinHighlight(bool on);
    bool twinHighlight() const { return m_twin; }

    /// Moves the item to the document's position, without snapping.
    void setPosFromModel(QPointF pos);
    PortItem *port(bool input, int index) const;
    int portCount(bool input) const;
    /// Where a wire meets the port, in scene coordinates.
    QPointF portPos(bool input, int index) const;

    void attachWire(WireItem *wire);
    void detachWire(WireItem *wire);
    const QList<WireItem *> &wires() const { return m_wires; }

    double width() const;
    double height() const;

    /// The subtitle as painted, after eliding (`input · 10`, `1×28×28`).
    QString subtitleShown() const;

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    void rebuildPorts();
    void updateToolTip();
    void paintCall(QPainter *painter, const QPalette &pal, bool detailed);
    void paintPort(QPainter *painter, const QPalette &pal, bool detailed);
    void paintOutline(QPainter *painter, const QPalette &pal, bool selected);
    void updateTexts() const;

    /// What paint() writes, elided, shaped and measured when the look or status changes.
    struct Texts
    {
        bool valid = false;
        Shaped title;
        Shaped subtitle;
        QString subtitleText; ///< The subtitle's characters, as painted.
        Shaped footer;
        QList<Shaped> inNames, inSizes, outNames, outSizes;
    };

    int m_id;
    Look m_look;
    Status m_status;
    bool m_twin = false;
    bool m_fromModel = false;
    QList<PortItem *> m_inputs;
    QList<PortItem *> m_outputs;
    QList<WireItem *> m_wires;
    mutable Texts m_texts;
};

} // namespace mc
