#include "GraphView.h"

#include "CanvasMetrics.h"
#include "CanvasStyle.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "NodeItem.h"
#include "PaletteEntry.h"

#include <QGestureEvent>
#include <QMimeData>
#include <QNativeGestureEvent>
#include <QPinchGesture>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace mc {

GraphView::GraphView(GraphScene *scene, QWidget *parent) : QGraphicsView(scene, parent), m_scene(scene)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setTransformationAnchor(QGraphicsView::NoAnchor);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlag(QGraphicsView::DontAdjustForAntialiasing, true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    viewport()->grabGesture(Qt::PinchGesture);
    syncScenePalette();
    centerOn(0, 0);
}

double GraphView::zoom() const
{
    return transform().m11();
}

void GraphView::zoomBy(double factor, QPointF anchor)
{
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    factor = target / zoom();
    if (std::abs(factor - 1.0) < 1e-9)
        return;
    const QPointF before = mapToScene(anchor.toPoint());
    scale(factor, factor);
    const QPointF after = mapToScene(anchor.toPoint());
    const QPointF delta = (after - before) * zoom();
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - int(std::round(delta.x())));
    verticalScrollBar()->setValue(verticalScrollBar()->value() - int(std::round(delta.y())));
    Q_EMIT zoomChanged(zoom());
}

void GraphView::setZoom(double z)
{
    zoomBy(z / zoom(), QPointF(viewport()->rect().center()));
}

QPointF GraphView::centerScenePos() const
{
    return mapToScene(viewport()->rect().center());
}

void GraphView::zoomIn()
{
    zoomBy(1.25, QPointF(viewport()->rect().center()));
}

void GraphView::zoomOut()
{
    zoomBy(0.8, QPointF(viewport()->rect().center()));
}

void GraphView::resetZoom()
{
    setZoom(1.0);
}

void GraphView::fitAll()
{
    QRectF r = m_scene->nodesBoundingRect();
    if (r.isEmpty()) {
        resetZoom();
        centerOn(0, 0);
        return;
    }
    r.adjust(-40, -40, 40, 40);
    const QRectF port = viewport()->rect();
    const double z = std::clamp(std::min(port.width() / r.width(), port.height() / r.height()), kMinZoom, 1.0);
    setTransform(QTransform::fromScale(z, z));
    centerOn(r.center());
    Q_EMIT zoomChanged(zoom());
}

void GraphView::wheelEvent(QWheelEvent *event)
{
    // A mouse wheel zooms; a touchpad's two-finger scroll (pixel deltas) pans,
    // unless Ctrl is held.
    const bool touchpad = !event->pixelDelta().isNull() && !(event->modifiers() & Qt::ControlModifier);
    if (touchpad) {
        const QPoint d = event->pixelDelta();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
        event->accept();
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomBy(std::pow(1.2, steps), event->position());
    event->accept();
}

bool GraphView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::NativeGesture) {
        auto *g = static_cast<QNativeGestureEvent *>(event);
        if (g->gestureType() == Qt::ZoomNativeGesture) {
            zoomBy(1.0 + g->value(), g->position());
            return true;
        }
    }
    if (event->type() == QEvent::Gesture)
        return gestureEvent(static_cast<QGestureEvent *>(event));
    return QGraphicsView::viewportEvent(event);
}

bool GraphView::gestureEvent(QGestureEvent *event)
{
    if (auto *pinch = static_cast<QPinchGesture *>(event->gesture(Qt::PinchGesture))) {
        if (pinch->changeFlags() & QPinchGesture::ScaleFactorChanged)
            zoomBy(pinch->scaleFactor(), mapFromGlobal(pinch->centerPoint().toPoint()));
        event->accept(pinch);
        return true;
    }
    return false;
}

void GraphView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_panning) {
        const QPoint p = event->position().toPoint();
        const QPoint d = p - m_panLast;
        m_panLast = p;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_panning) {
        m_panning = false;
        viewport()->setCursor(m_spaceHeld ? Qt::OpenHandCursor : Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::keyReleaseEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        viewport()->setCursor(Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void GraphView::contextMenuEvent(QContextMenuEvent *event)
{
    const QPointF scenePos = mapToScene(event->pos());
    QGraphicsItem *top = itemAt(event->pos());
    while (top && top->type() != NodeItem::Type)
        top = top->parentItem();
    if (top && !top->isSelected()) {
        m_scene->clearSelection();
        top->setSelected(true);
    }
    Q_EMIT contextMenuRequested(event->globalPos(), scenePos, top != nullptr);
    event->accept();
}

void GraphView::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasFormat(PaletteEntry::mimeType()))
        event->acceptProposedAction();
    else
        QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent *event)
{
    if (event->mimeData()->hasFormat(PaletteEntry::mimeType()))
        event->acceptProposedAction();
    else
        QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent *event)
{
    const std::optional<PaletteEntry> entry = PaletteEntry::fromMimeData(event->mimeData());
    if (!entry) {
        QGraphicsView::dropEvent(event);
        return;
    }
    QPointF at = mapToScene(event->position().toPoint());
    // Drop the node with its header under the mouse, on the grid.
    at -= QPointF(CanvasMetrics::kCallWidth / 2, 12);
    const double g = CanvasMetrics::kGrid;
    at = QPointF(std::round(at.x() / g) * g, std::round(at.y() / g) * g);
    QString why;
    const std::optional<int> id = m_scene->editor()->addEntry(m_scene->typeName(), *entry, at, &why);
    if (!id) {
        Q_EMIT m_scene->statusMessage(why);
        event->ignore();
        return;
    }
    m_scene->selectNodes({*id});
    // Moved off another node, it may have left the view.
    if (NodeItem *item = m_scene->nodeItem(*id))
        ensureVisible(item);
    event->acceptProposedAction();
    setFocus();
    Q_EMIT nodeDropped(*id);
}

void GraphView::drawBackground(QPainter *painter, const QRectF &rect)
{
    const QPalette pal = palette();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->fillRect(rect, CanvasStyle::background(pal));
    const double z = zoom();
    double step = CanvasMetrics::kGrid;
    while (step * z < 12)
        step *= 5;
    const double major = step * 5;
    const double left = std::floor(rect.left() / step) * step;
    const double top = std::floor(rect.top() / step) * step;
    // Lines as one-pixel rectangles: solid fills are the raster engine's fastest path.
    const double px = 1.0 / z;
    const QColor minor = CanvasStyle::gridMinor(pal);
    const QColor majorColor = CanvasStyle::gridMajor(pal);
    for (double x = left; x < rect.right(); x += step)
        painter->fillRect(QRectF(x, rect.top(), px, rect.height()),
                          std::fmod(std::abs(x), major) < 0.5 ? majorColor : minor);
    for (double y = top; y < rect.bottom(); y += step)
        painter->fillRect(QRectF(rect.left(), y, rect.width(), px),
                          std::fmod(std::abs(y), major) < 0.5 ? majorColor : minor);
    painter->restore();
}

void GraphView::syncScenePalette()
{
    // Every role marked as set: the scene would otherwise resolve the roles the
    // view inherited (from a dark theme, say) against the application's palette.
    QPalette pal = palette();
    pal.setResolveMask(~QPalette::ResolveMask(0));
    m_scene->setPalette(pal);
}

void GraphView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        syncScenePalette();
        viewport()->update();
    }
    QGraphicsView::changeEvent(event);
}

} // namespace mc
