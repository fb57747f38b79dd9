#pragma once

#include <QList>
#include <QObject>

namespace mc {

/// Call from the destructor of a widget whose own children signal into its
/// slots. QWidget's destructor runs after the derived class is gone and still
/// moves the focus and hides the widget, so a child field that has the focus
/// emits editingFinished() into a slot of an object that is by then only a
/// QWidget (UndefinedBehaviorSanitizer reports it; the slot may even edit the
/// project). Cutting those connections first makes the teardown silent.
inline void disconnectChildren(QObject *receiver)
{
    const QList<QObject *> children = receiver->findChildren<QObject *>();
    for (QObject *child : children)
        QObject::disconnect(child, nullptr, receiver, nullptr);
}

} // namespace mc
