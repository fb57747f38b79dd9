#include "ArgumentsEditor.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "OptionField.h"
#include "PropertiesPanel.h"
#include "WidgetTestUtil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

using namespace wtu;

namespace {
const QString kRoot = QStringLiteral("ExternalInjection");
}

/// The Properties dock: what it shows for the selection, how it checks what
/// the user types, and the edits it makes.
class tst_PropertiesPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void parseOptionText_data();
    void parseOptionText();
    void optionCheckedAsTyped();
    void optionTakesAnArgumentOrTheDefault();
    void argumentChosenFromTheList();
    void nameCheckedAsTyped_data();
    void nameCheckedAsTyped();
    void frozenFollowsUndo();
    void frozenOnlyWhereThereAreParameters_data();
    void frozenOnlyWhereThereAreParameters();
    void twinsListed();
    void typeFormRenamesArgumentsEverywhere();
    void typingIsNotOverwritten();
    void portFeatures();

private:
    void select(const QString &name, int nth = 0)
    {
        m_scene->selectNodes({nodeId(*m_project, kRoot, name, nth)});
    }
    void typeInto(QLineEdit *edit, const QString &text, bool commit = true)
    {
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
        if (commit)
            QTest::keyClick(edit, Qt::Key_Return);
    }

    Project *m_project = nullptr;
    DocumentEditor *m_editor = nullptr;
    GraphScene *m_scene = nullptr;
    PropertiesPanel *m_panel = nullptr;
};

void tst_PropertiesPanel::init()
{
    m_project = new Project;
    m_editor = new DocumentEditor(m_project);
    m_editor->resetDocument(example(QStringLiteral("shared-block.mcproj")));
    m_scene = new GraphScene(m_editor);
    m_scene->setTypeName(kRoot);
    m_panel = new PropertiesPanel(m_editor, m_scene);
    m_panel->resize(420, 900);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel));
}

void tst_PropertiesPanel::cleanup()
{
    delete m_panel;
    delete m_scene;
    delete m_editor;
    delete m_project;
}

void tst_PropertiesPanel::parseOptionText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<bool>("boolean");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("value"); // OptionValue::toString(), "" for the default
    QTest::addRow("number") << "12" << true << false << true << "12";
    QTest::addRow("spaces") << "  7 " << true << false << true << "7";
    QTest::addRow("empty_is_default") << "" << true << false << true << "";
    QTest::addRow("fraction_for_integer") << "2.5" << true << false << false << "";
    QTest::addRow("fraction") << "2.25" << false << false << true << "2.25";
    QTest::addRow("below_minimum") << "0" << true << false << false << "";
    QTest::addRow("argument") << "dim" << true << false << true << "dim";
    QTest::addRow("unknown_name") << "width" << true << false << false << "";
    QTest::addRow("boolean_word") << "no" << true << true << true << "0";
    QTest::addRow("infinity") << "inf" << false << false << false << "";
}

void tst_PropertiesPanel::parseOptionText()
{
    QFETCH(QString, text);
    QFETCH(bool, integer);
    QFETCH(bool, boolean);
    QFETCH(bool, ok);
    QFETCH(QString, value);
    OptionField::Rule rule;
    rule.integer = integer;
    rule.boolean = boolean;
    rule.minimum = boolean ? 0 : 1;
    rule.maximum = boolean ? 1 : 1e8;
    rule.arguments = {QStringLiteral("dim")};
    rule.enclosingType = kRoot;
    std::optional<OptionValue> parsed;
    QString error;
    QCOMPARE(OptionField::parse(text, rule, &parsed, &error), ok);
    QCOMPARE(error.isEmpty(), ok);
    if (ok)
        QCOMPARE(parsed ? parsed->toString() : QString(), value);
}

void tst_PropertiesPanel::optionCheckedAsTyped()
{
    select(QStringLiteral("fc1"));
    QCOMPARE(m_panel->targetNode(), nodeId(*m_project, kRoot, QStringLiteral("fc1")));
    OptionField *out = m_panel->optionField(QStringLiteral("out_features"));
    QVERIFY(out);
    const QByteArray before = json(*m_project);
    typeInto(out->lineEdit(), QStringLiteral("ten"), false);
    QVERIFY(out->error().contains(QStringLiteral("ten")));
    QTest::keyClick(out->lineEdit(), Qt::Key_Return);
    QCOMPARE(json(*m_project), before); // refused, nothing changed
    typeInto(out->lineEdit(), QStringLiteral("2.5"), false);
    QVERIFY(out->error().contains(QStringLiteral("whole")));
    typeInto(out->lineEdit(), QStringLiteral("16"));
    QVERIFY(out->error().isEmpty());
    QCOMPARE(m_project->type(kRoot)->instance(QStringLiteral("fc1"))->options.value(QStringLiteral("out_features")),
             OptionValue::constant(16));
    QCOMPARE(m_editor->undoStack()->count(), 1);
}

void tst_PropertiesPanel::optionTakesAnArgumentOrTheDefault()
{
    select(QStringLiteral("fc1"));
    OptionField *bias = m_panel->optionField(QStringLiteral("bias"));
    QVERIFY(bias);
    QCOMPARE(bias->lineEdit()->placeholderText(), QStringLiteral("default: true"));
    typeInto(bias->lineEdit(), QStringLiteral("false"));
    QCOMPARE(m_project->type(kRoot)->instance(QStringLiteral("fc1"))->options.value(QStringLiteral("bias")),
             OptionValue::constant(0));
    // Emptied: back to the default, the option removed.
    typeInto(bias->lineEdit(), QString());
    QVERIFY(!m_project->type(kRoot)->instance(QStringLiteral("fc1"))->options.contains(QStringLiteral("bias")));
    // in_features empty: taken from the wire, whose size shows.
    OptionField *in = m_panel->optionField(QStringLiteral("in_features"));
    typeInto(in->lineEdit(), QString());
    QTRY_COMPARE(in->lineEdit()->placeholderText(), QStringLiteral("from the wire: 10"));
}

void tst_PropertiesPanel::argumentChosenFromTheList()
{
    select(QStringLiteral("fc2"));
    OptionField *out = m_panel->optionField(QStringLiteral("out_features"));
    QComboBox *combo = out->comboBox();
    const int index = combo->findText(QStringLiteral("dim"));
    QVERIFY(index >= 0);
    // Set a constant first, then pick the argument from the list.
    typeInto(out->lineEdit(), QStringLiteral("4"));
    QCOMPARE(m_project->type(kRoot)->instance(QStringLiteral("fc2"))->options.value(QStringLiteral("out_features")),
             OptionValue::constant(4));
    combo->setCurrentIndex(index);
    Q_EMIT combo->activated(index);
    QCOMPARE(m_project->type(kRoot)->instance(QStringLiteral("fc2"))->options.value(QStringLiteral("out_features")),
             OptionValue::ref(QStringLiteral("dim")));
}

void tst_PropertiesPanel::nameCheckedAsTyped_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("problem"); // a word of the sentence; empty: accepted
    QTest::addRow("taken") << "fc2" << "already";
    QTest::addRow("keyword") << "class" << "reserved";
    QTest::addRow("digit_first") << "1fc" << "letters";
    QTest::addRow("fine") << "first" << "";
}

void tst_PropertiesPanel::nameCheckedAsTyped()
{
    QFETCH(QString, name);
    QFETCH(QString, problem);
    select(QStringLiteral("fc1"));
    const QByteArray before = json(*m_project);
    typeInto(m_panel->nameField(), name, false);
    QCOMPARE(m_panel->nameProblem().isEmpty(), problem.isEmpty());
    QVERIFY2(m_panel->nameProblem().contains(problem), qPrintable(m_panel->nameProblem()));
    QTest::keyClick(m_panel->nameField(), Qt::Key_Return);
    if (problem.isEmpty()) {
        QVERIFY(m_project->type(kRoot)->instance(name));
    } else {
        QCOMPARE(json(*m_project), before);
        QVERIFY(!m_panel->nameProblem().isEmpty());
    }
}

void tst_PropertiesPanel::frozenFollowsUndo()
{
    select(QStringLiteral("shared_module"));
    QCheckBox *frozen = m_panel->frozenBox();
    QVERIFY(frozen && !frozen->isChecked());
    frozen->click();
    QVERIFY(m_project->type(kRoot)->instance(QStringLiteral("shared_module"))->frozen);
    m_editor->undoStack()->undo();
    QVERIFY(!m_project->type(kRoot)->instance(QStringLiteral("shared_module"))->frozen);
    QTRY_VERIFY(!m_panel->frozenBox()->isChecked());
}

void tst_PropertiesPanel::twinsListed()
{
    select(QStringLiteral("shared_module"));
    const int twin = nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 1);
    const QList<QLabel *> labels = m_panel->findChildren<QLabel *>();
    QLabel *calls = nullptr;
    for (QLabel *l : labels)
        if (l->text().contains(QStringLiteral("shared: called 2 times")))
            calls = l;
    QVERIFY(calls);
    QVERIFY(calls->text().contains(QStringLiteral("href=\"%1\"").arg(twin)));
    QSignalSpy spy(m_panel, &PropertiesPanel::selectNodeRequested);
    Q_EMIT calls->linkActivated(QString::number(twin));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), twin);
}

void tst_PropertiesPanel::typeFormRenamesArgumentsEverywhere()
{
    m_scene->clearSelection();
    QCOMPARE(m_panel->targetNode(), 0);
    ArgumentsEditor *args = m_panel->argumentsEditor();
    QVERIFY(args);
    QCOMPARE(args->table()->rowCount(), 1);
    QCOMPARE(args->table()->item(0, 0)->text(), QStringLiteral("dim"));
    args->table()->item(0, 0)->setText(QStringLiteral("width"));
    const ModuleType *t = m_project->type(kRoot);
    QVERIFY(t->argument(QStringLiteral("width")));
    QCOMPARE(t->instance(QStringLiteral("fc1"))->options.value(QStringLiteral("in_features")),
             OptionValue::ref(QStringLiteral("width")));
    QCOMPARE(t->node(nodeId(*m_project, kRoot, QStringLiteral("x")))->shape, ShapeDecl{OptionValue::ref(QStringLiteral("width"))});
    // shared_module gives SharedBlock's `dim`: a key that did not change.
    QCOMPARE(t->instance(QStringLiteral("shared_module"))->options.value(QStringLiteral("dim")),
             OptionValue::ref(QStringLiteral("width")));
    QVERIFY(!m_editor->analysis()->analysis().hasErrors());
    QCOMPARE(m_editor->undoStack()->count(), 1);
    // A bad name is refused with a sentence under the table.
    QCoreApplication::processEvents();
    args = m_panel->argumentsEditor();
    args->table()->item(0, 0)->setText(QStringLiteral("for"));
    QVERIFY(m_project->type(kRoot)->argument(QStringLiteral("width")));
    QCOMPARE(m_editor->undoStack()->count(), 1);
}

void tst_PropertiesPanel::typingIsNotOverwritten()
{
    select(QStringLiteral("fc1"));
    OptionField *out = m_panel->optionField(QStringLiteral("out_features"));
    typeInto(out->lineEdit(), QStringLiteral("3"), false);
    // Something else changes meanwhile (another instance's option).
    QVERIFY(m_editor->setFrozen(kRoot, QStringLiteral("fc2"), true));
    QCoreApplication::processEvents();
    QCOMPARE(m_panel->optionField(QStringLiteral("out_features")), out); // the same field
    QCOMPARE(out->lineEdit()->text(), QStringLiteral("3"));
}

void tst_PropertiesPanel::portFeatures()
{
    select(QStringLiteral("x"));
    OptionField *features = m_panel->optionField(QStringLiteral("shape"));
    QVERIFY(features);
    QCOMPARE(features->lineEdit()->text(), QStringLiteral("dim"));
    typeInto(features->lineEdit(), QStringLiteral("12"));
    QCOMPARE(m_project->type(kRoot)->node(nodeId(*m_project, kRoot, QStringLiteral("x")))->shape,
             ShapeDecl{OptionValue::constant(12)});
    // A shape of several dimensions is typed as a list.
    typeInto(features->lineEdit(), QStringLiteral("1, 28, 28"));
    QCOMPARE(m_project->type(kRoot)->node(nodeId(*m_project, kRoot, QStringLiteral("x")))->shape,
             (ShapeDecl{OptionValue::constant(1), OptionValue::constant(28), OptionValue::constant(28)}));
    // A dimension may be an argument of the type, and the field shows it back
    // as typed: the shape commits and comes back unchanged.
    typeInto(features->lineEdit(), QStringLiteral("dim, 28"));
    QCOMPARE(m_project->type(kRoot)->node(nodeId(*m_project, kRoot, QStringLiteral("x")))->shape,
             (ShapeDecl{OptionValue::ref(QStringLiteral("dim")), OptionValue::constant(28)}));
    QCoreApplication::processEvents();
    features = m_panel->optionField(QStringLiteral("shape"));
    QCOMPARE(features->lineEdit()->text(), QStringLiteral("dim, 28"));
    QVERIFY(features->error().isEmpty());
    // A dimension that is neither is refused and the shape stays.
    typeInto(features->lineEdit(), QStringLiteral("dim, depth"));
    QVERIFY(features->error().contains(QStringLiteral("`depth`")));
    QCOMPARE(m_project->type(kRoot)->node(nodeId(*m_project, kRoot, QStringLiteral("x")))->shape,
             (ShapeDecl{OptionValue::ref(QStringLiteral("dim")), OptionValue::constant(28)}));
    typeInto(features->lineEdit(), QStringLiteral("12"));
    typeInto(m_panel->nameField(), QStringLiteral("inputs"));
    QCOMPARE(m_project->type(kRoot)->ports(NodeKind::Input).first()->name, QStringLiteral("inputs"));
}

void tst_PropertiesPanel::frozenOnlyWhereThereAreParameters_data()
{
    QTest::addColumn<QString>("instance");
    QTest::addColumn<bool>("offered");
    // x -> fc1 -> shared -> add <- shared <- fc2 <- x
    QTest::addRow("add_has_none") << "add" << false;
    QTest::addRow("linear_has_some") << "fc1" << true;
    QTest::addRow("module_has_some") << "shared_module" << true;
}

void tst_PropertiesPanel::frozenOnlyWhereThereAreParameters()
{
    QFETCH(QString, instance);
    QFETCH(bool, offered);
    select(instance);
    QCheckBox *frozen = m_panel->frozenBox();
    QVERIFY(frozen);
    QCOMPARE(frozen->isEnabled(), offered);
    QCOMPARE(frozen->toolTip().contains(QStringLiteral("no parameters")), !offered);
    if (!offered)
        QVERIFY2(frozen->toolTip().contains(QLatin1Char('`') + instance + QLatin1Char('`')),
                 qPrintable(frozen->toolTip()));
    // A click does what the box says: nothing where it is disabled.
    QTest::mouseClick(frozen, Qt::LeftButton, {}, QPoint(8, frozen->height() / 2));
    QCOMPARE(m_project->type(kRoot)->instance(instance)->frozen, offered);
}

QTEST_MAIN(tst_PropertiesPanel)
#include "tst_propertiespanel.moc"
