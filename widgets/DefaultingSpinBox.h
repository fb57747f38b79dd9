#pragma once

#include <QDoubleSpinBox>
#include <QSpinBox>

#include <utility>

namespace mc {

/// A spin box (QSpinBox or QDoubleSpinBox) in which an emptied field means
/// the setting's documented default: when the user clears the text and
/// presses Enter or leaves the field, it takes and shows `defaultValue()`
/// instead of silently putting the previous value back.
template <class Box>
class DefaultingSpinBox : public Box
{
public:
    using Value = decltype(std::declval<Box>().value());

    explicit DefaultingSpinBox(QWidget *parent = nullptr)
        : Box(parent)
    {}

    void setDefaultValue(Value value) { m_default = value; }
    Value defaultValue() const { return m_default; }

    void fixup(QString &input) const override
    {
        QString bare = input;
        if (!this->prefix().isEmpty() && bare.startsWith(this->prefix()))
            bare.remove(0, this->prefix().size());
        if (!this->suffix().isEmpty() && bare.endsWith(this->suffix()))
            bare.chop(this->suffix().size());
        if (bare.trimmed().isEmpty()) {
            input = this->prefix() + this->textFromValue(m_default) + this->suffix();
            return;
        }
        Box::fixup(input);
    }

private:
    Value m_default{};
};

using DefaultingIntSpinBox = DefaultingSpinBox<QSpinBox>;
using DefaultingDoubleSpinBox = DefaultingSpinBox<QDoubleSpinBox>;

} // namespace mc
