#include "OptionField.h"

#include "CanvasStyle.h"
#include "DisconnectChildren.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QVBoxLayout>

#include <cmath>

namespace mc {

OptionField::~OptionField()
{
    disconnectChildren(this); // the line edit commits on focus-out, also while QWidget tears it down
}

OptionField::OptionField(const Rule &rule, QWidget *parent)
    : QWidget(parent), m_rule(rule), m_combo(new QComboBox(this)), m_message(new QLabel(this))
{
    m_combo->setEditable(true);
    m_combo->setInsertPolicy(QComboBox::NoInsert);
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_combo->setMinimumContentsLength(6);
    if (rule.boolean) {
        m_combo->addItem(QStringLiteral("true"));
        m_combo->addItem(QStringLiteral("false"));
    }
    for (const QString &c : rule.choices)
        m_combo->addItem(c);
    for (const QString &a : rule.arguments) {
        m_combo->addItem(a);
        m_combo->setItemData(m_combo->count() - 1,
                             tr("The value of argument `%1` of `%2`").arg(a, rule.enclosingType), Qt::ToolTipRole);
    }
    m_combo->setCurrentIndex(-1);
    m_combo->lineEdit()->setPlaceholderText(rule.placeholder);
    m_combo->lineEdit()->setClearButtonEnabled(rule.allowEmpty);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    QPalette pal = m_message->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_message->setPalette(pal);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_combo);
    layout->addWidget(m_message);

    connect(m_combo->lineEdit(), &QLineEdit::textEdited, this, &OptionField::validate);
    connect(m_combo->lineEdit(), &QLineEdit::editingFinished, this, &OptionField::commit);
    connect(m_combo, &QComboBox::activated, this, [this](int) {
        validate();
        commit();
    });
}

QLineEdit *OptionField::lineEdit() const
{
    return m_combo->lineEdit();
}

bool OptionField::parse(const QString &input, const Rule &rule, std::optional<OptionValue> *value, QString *error)
{
    const QString text = input.trimmed();
    if (text.isEmpty()) {
        if (!rule.allowEmpty) {
            *error = tr("A value is needed.");
            return false;
        }
        *value = std::nullopt;
        return true;
    }
    if (rule.boolean) {
        const QString t = text.toLower();
        if (t == QLatin1String("true") || t == QLatin1String("yes") || t == QLatin1String("on")) {
            *value = OptionValue::constant(1);
            return true;
        }
        if (t == QLatin1String("false") || t == QLatin1String("no") || t == QLatin1String("off")) {
            *value = OptionValue::constant(0);
            return true;
        }
    }
    if (!rule.choices.isEmpty()) {
        if (rule.choices.contains(text)) {
            *value = OptionValue::text(text);
            return true;
        }
        *error = tr("`%1` is not one of %2.").arg(text, rule.choices.join(QStringLiteral(", ")));
        return false;
    }
    if ((rule.tupleSize > 0 || rule.list) && (text.contains(QLatin1Char(',')) || text.startsWith(QLatin1Char('[')))) {
        QString inner = text;
        if (inner.startsWith(QLatin1Char('[')) && inner.endsWith(QLatin1Char(']')))
            inner = inner.mid(1, inner.size() - 2);
        QList<double> numbers;
        for (const QString &part : inner.split(QLatin1Char(','))) {
            bool ok = false;
            const double n = QLocale::c().toDouble(part.trimmed(), &ok);
            if (!ok || n != std::floor(n) || n < rule.minimum || n > rule.maximum) {
                *error = rule.maximum >= 1e299 ? tr("Each value must be a whole number of at least %1.").arg(rule.minimum)
                                               : tr("Each value must be a whole number from %1 to %2.").arg(rule.minimum).arg(rule.maximum);
                return false;
            }
            numbers.append(n);
        }
        if (rule.tupleSize > 0 && numbers.size() != rule.tupleSize) {
            *error = tr("Give %1 numbers, or one for all of them.").arg(rule.tupleSize);
            return false;
        }
        if (numbers.size() > 8) {
            *error = tr("At most 8 numbers.");
            return false;
        }
        *value = OptionValue::numbers(numbers);
        return true;
    }
    bool isNumber = false;
    double d = QLocale::c().toDouble(text, &isNumber);
    if (!isNumber)
        d = QLocale().toDouble(text, &isNumber);
    if (isNumber) {
        if (!std::isfinite(d)) {
            *error = tr("`%1` is not a finite number.").arg(text);
            return false;
        }
        if (rule.integer && d != std::floor(d)) {
            *error = tr("A whole number is needed.");
            return false;
        }
        if (d < rule.minimum || d > rule.maximum) {
            *error = rule.maximum >= 1e299 ? tr("The value must be at least %1.").arg(rule.minimum)
                                           : tr("The value must be from %1 to %2.").arg(rule.minimum).arg(rule.maximum);
            return false;
        }
        *value = OptionValue::constant(d);
        return true;
    }
    if (rule.arguments.contains(text)) {
        *value = OptionValue::ref(text);
        return true;
    }
    if (rule.arguments.isEmpty())
        *error = tr("`%1` is not a number, and `%2` has no arguments to refer to.").arg(text, rule.enclosingType);
    else
        *error = tr("`%1` is neither a number nor an argument of `%2` (%3).")
                     .arg(text, rule.enclosingType, rule.arguments.join(QStringLiteral(", ")));
    return false;
}

QString OptionField::text(const std::optional<OptionValue> &value, const Rule &rule)
{
    if (!value)
        return {};
    if (value->isArgument())
        return value->argument;
    if (value->isWord())
        return value->word;
    if (value->isTuple()) {
        QStringList parts;
        for (double d : value->tuple)
            parts.append(QString::number(d, 'g', 12));
        return parts.join(QStringLiteral(", "));
    }
    if (rule.boolean && (value->number == 0 || value->number == 1))
        return value->number != 0 ? QStringLiteral("true") : QStringLiteral("false");
    return QString::number(value->number, 'g', 12);
}

bool OptionField::parseShape(const QString &input, const Rule &rule, ShapeDecl *shape, QString *error)
{
    QString text = input.trimmed();
    if (text.startsWith(QLatin1Char('[')) && text.endsWith(QLatin1Char(']')))
        text = text.mid(1, text.size() - 2).trimmed();
    shape->clear();
    if (text.isEmpty())
        return true;
    Rule one = rule;
    one.list = false;
    one.tupleSize = 0;
    one.allowEmpty = false;
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() > 8) {
        *error = tr("At most 8 dimensions.");
        return false;
    }
    for (const QString &part : parts) {
        std::optional<OptionValue> d;
        if (!parse(part, one, &d, error))
            return false;
        shape->append(*d);
    }
    return true;
}

QString OptionField::shapeText(const ShapeDecl &shape)
{
    QStringList parts;
    for (const OptionValue &d : shape)
        parts.append(d.isArgument() ? d.argument : QString::number(d.number, 'g', 12));
    return parts.join(QStringLiteral(", "));
}

void OptionField::setShape(const ShapeDecl &shape)
{
    m_shape = shape;
    showText(shapeText(shape));
}

void OptionField::setValue(const std::optional<OptionValue> &value)
{
    m_value = value;
    showText(text(value, m_rule));
}

void OptionField::showText(const QString &text)
{
    QLineEdit *edit = lineEdit();
    if (edit->hasFocus() && edit->isModified())
        return; // the user is typing: their text stays
    edit->setText(text);
    edit->setModified(false);
    showError(QString());
}

void OptionField::showError(const QString &error)
{
    m_error = error;
    m_message->setText(error);
    m_message->setVisible(!error.isEmpty());
    QPalette pal = lineEdit()->palette();
    const QColor base = palette().color(QPalette::Base);
    pal.setColor(QPalette::Base, error.isEmpty() ? base : CanvasStyle::mix(base, CanvasStyle::error(), 0.25));
    lineEdit()->setPalette(pal);
}

void OptionField::validate()
{
    QString error;
    if (m_rule.shape) {
        ShapeDecl parsed;
        parseShape(lineEdit()->text(), m_rule, &parsed, &error);
    } else {
        std::optional<OptionValue> parsed;
        parse(lineEdit()->text(), m_rule, &parsed, &error);
    }
    showError(error);
}

void OptionField::commit()
{
    // Shows whether the text reads; a text that reads is no longer "being typed".
    const auto settle = [this](bool ok, const QString &error) {
        showError(ok ? QString() : error);
        if (ok)
            lineEdit()->setModified(false);
        return ok;
    };
    QString error;
    if (m_rule.shape) {
        ShapeDecl parsed;
        if (settle(parseShape(lineEdit()->text(), m_rule, &parsed, &error), error) && parsed != m_shape) {
            m_shape = parsed;
            Q_EMIT shapeCommitted(parsed);
        }
        return;
    }
    std::optional<OptionValue> parsed;
    if (settle(parse(lineEdit()->text(), m_rule, &parsed, &error), error) && parsed != m_value) {
        m_value = parsed;
        Q_EMIT committed(parsed);
    }
}

} // namespace mc
