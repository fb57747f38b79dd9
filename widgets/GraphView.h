#pragma once

#include <QGraphicsView>

class QGestureEvent;

namespace mc {

class GraphScene;

/// The canvas's view: wheel and pinch zoom around the mouse, panning with the
/// middle button, Space+drag or two-finger scrolling, rubber-band selection,
/// a grid, fit to view, and drops from the palette.
class GraphView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit GraphView(GraphScene *scene, QWidget *parent = nullptr);

    GraphScene *graphScene() const { return m_scene; }
    /// Current zoom factor (1: 100 %).
    double zoom() const;
    /// Zooms by `factor` keeping `viewportAnchor` (viewport coordinates) still.
    void zoomBy(double factor, QPointF viewportAnchor);
    void setZoom(double zoom);
    /// The scene position at the centre of the view.
    QPointF centerScenePos() const;

    static constexpr double kMinZoom = 0.05;
    static constexpr double kMaxZoom = 4.0;

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void resetZoom();
    /// Shows every node, at 100 % at most.
    void fitAll();

Q_SIGNALS:
    void zoomChanged(double zoom);
    /// A right click; `onNode` when it landed on a node (now selected).
    void contextMenuRequested(const QPoint &globalPos, const QPointF &scenePos, bool onNode);
    /// Something was dropped and added; `node` is the new node.
    void nodeDropped(int node);

protected:
    void wheelEvent(QWheelEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void changeEvent(QEvent *event) override;

private:
    bool gestureEvent(QGestureEvent *event);
    void syncScenePalette();

    GraphScene *m_scene;
    bool m_panning = false;
    bool m_spaceHeld = false;
    QPoint m_panLast;
};

} // namespace mc
