#pragma once

#include <QGraphicsItem>

namespace mc {

class NodeItem;

/// A port of a node on the canvas: the small circle a wire starts or ends at.
/// A child of its NodeItem; knows only whether it is an input and its index.
class PortItem : public QGraphicsItem
{
public:
    enum { Type = QGraphicsItem::UserType + 2 };
    /// How the port shows while a wire is dragged.
    enum class Mark {
        None,     ///< Not a target.
        Accepted, ///< The dragged wire may end here.
        Mismatch, ///< It may end here, but its size does not fit (the sentence is in the status bar).
        Refused,  ///< The dragged wire may not end here (the reason is in the status bar).
    };

    PortItem(NodeItem *node, bool input, int index);

    int type() const override { return Type; }
    NodeItem *node() const { return m_node; }
    bool isInput() const { return m_input; }
    int index() const { return m_index; }
    void setConnected(bool connected);
    bool isConnected() const { return m_connected; }
    void setMark(Mark mark);
    Mark mark() const { return m_mark; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    NodeItem *m_node;
    bool m_input;
    int m_index;
    bool m_connected = false;
    bool m_hovered = false;
    Mark m_mark = Mark::None;
};

} // namespace mc
