#include "document/Project.h"
#include "document/ProjectFile.h"

#include <QSignalSpy>
#include <QtTest>

using namespace mc;

namespace {

Instance layer(const QString &name, const QString &type, OptionMap options = {})
{
    Instance i;
    i.name = name;
    i.type = type;
    i.options = options;
    return i;
}

/// A project with one empty type `Net` (the root).
void makeNet(Project &p)
{
    ModuleType t;
    t.name = QStringLiteral("Net");
    QVERIFY(p.addType(t));
}

} // namespace

class tst_Project : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void addTypeBecomesRoot();
    void addCallSignalsAndIds();
    void refusedEdits_data();
    void refusedEdits();
    void wiresAndCycles();
    void sharedCallsAndLastCallRemovesInstance();
    void renameInstanceRenamesCalls();
    void renameTypeUpdatesReferences();
    void setOptionValidates();
    void frozenAndStackRows();
    void moveSignalsOnlyOnChange();
    void uniqueNames();
    void setDataEmitsReset();
    void argumentsMayReferToTheProjectsOwnData();
    void usedArgumentIsNotRemoved();
};

void tst_Project::addTypeBecomesRoot()
{
    Project p;
    QSignalSpy added(&p, &Project::typeAdded);
    QSignalSpy changed(&p, &Project::changed);
    makeNet(p);
    QCOMPARE(p.rootType(), QStringLiteral("Net"));
    QCOMPARE(added.count(), 1);
    QCOMPARE(added.at(0).at(0).toString(), QStringLiteral("Net"));
    QCOMPARE(changed.count(), 1);
    ModuleType other;
    other.name = QStringLiteral("Other");
    QVERIFY(p.addType(other));
    QCOMPARE(p.rootType(), QStringLiteral("Net")); // the first type stays the root
    QCOMPARE(p.typeNames(), (QStringList{"Net", "Other"}));
}

void tst_Project::addCallSignalsAndIds()
{
    Project p;
    makeNet(p);
    QSignalSpy nodeAdded(&p, &Project::nodeAdded);
    QSignalSpy instAdded(&p, &Project::instanceAdded);
    const auto in = p.addPort(QStringLiteral("Net"), NodeKind::Input, QStringLiteral("x"), {0, 0}, {OptionValue::constant(4)});
    const auto fc = p.addCall(QStringLiteral("Net"), layer(QStringLiteral("fc1"), QStringLiteral("Linear"),
                                                           {{QStringLiteral("out_features"), OptionValue::constant(3)}}), {100, 0});
    QVERIFY(in && fc);
    QCOMPARE(*in, 1);
    QCOMPARE(*fc, 2);
    QCOMPARE(nodeAdded.count(), 2);
    QCOMPARE(nodeAdded.at(1).at(1).toInt(), 2);
    QCOMPARE(instAdded.count(), 1);
    QCOMPARE(instAdded.at(0).at(1).toString(), QStringLiteral("fc1"));
    QCOMPARE(p.portCounts(QStringLiteral("Net"), *fc), qMakePair(1, 1));
    QCOMPARE(p.portNames(QStringLiteral("Net"), *in, false), QStringList{QStringLiteral("x")});
}

void tst_Project::refusedEdits_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("reason");
    QTest::addRow("duplicate") << "fc1" << "ReLU" << "already has an instance called `fc1`";
    QTest::addRow("digit_first") << "1fc" << "ReLU" << "not starting with a digit";
    QTest::addRow("keyword") << "lambda" << "ReLU" << "reserved in Python or TorchScript";
    QTest::addRow("attribute") << "forward" << "ReLU" << "reserved";
    QTest::addRow("empty") << "" << "ReLU" << "needs a name";
    QTest::addRow("unknown_type") << "z" << "Linaer" << "There is no layer or module type `Linaer`";
    QTest::addRow("contains_itself") << "me" << "Net" << "`Net` cannot contain an instance of itself.";
}

void tst_Project::refusedEdits()
{
    QFETCH(QString, name);
    QFETCH(QString, type);
    QFETCH(QString, reason);
    Project p;
    makeNet(p);
    QVERIFY(p.addCall(QStringLiteral("Net"), layer(QStringLiteral("fc1"), QStringLiteral("Linear")), {}));
    const ProjectData before = p.data();
    QSignalSpy changed(&p, &Project::changed);
    QString why;
    QVERIFY(!p.addCall(QStringLiteral("Net"), layer(name, type), {}, &why));
    QVERIFY2(why.contains(reason), qPrintable(why));
    QCOMPARE(changed.count(), 0);
    QVERIFY(p.data() == before);
}

void tst_Project::wiresAndCycles()
{
    // x -> a -> b ; then b -> a would close a cycle
    Project p;
    makeNet(p);
    const QString net = QStringLiteral("Net");
    const int x = *p.addPort(net, NodeKind::Input, QStringLiteral("x"), {}, {OptionValue::constant(2)});
    const int a = *p.addCall(net, layer(QStringLiteral("a"), QStringLiteral("ReLU")), {});
    const int b = *p.addCall(net, layer(QStringLiteral("b"), QStringLiteral("Add")), {});
    QSignalSpy wireAdded(&p, &Project::wireAdded);
    QVERIFY(p.addWire(net, Wire{{x, 0}, {a, 0}}));
    QVERIFY(p.addWire(net, Wire{{a, 0}, {b, 0}}));
    QCOMPARE(wireAdded.count(), 2);
    EditResult r = p.addWire(net, Wire{{b, 0}, {a, 0}});
    QVERIFY(!r);
    QVERIFY2(r.reason.contains(QStringLiteral("Input x of `a` is already connected")), qPrintable(r.reason));
    QVERIFY(p.removeWire(net, Wire{{x, 0}, {a, 0}}));
    r = p.addWire(net, Wire{{b, 0}, {a, 0}});
    QVERIFY2(!r && r.reason.contains(QStringLiteral("would close a cycle")), qPrintable(r.reason));
    r = p.addWire(net, Wire{{a, 0}, {a, 0}});
    QVERIFY2(!r && r.reason.contains(QStringLiteral("cannot feed itself")), qPrintable(r.reason));
    r = p.addWire(net, Wire{{x, 0}, {b, 5}});
    QVERIFY2(!r && r.reason.contains(QStringLiteral("has no input 5")), qPrintable(r.reason));
    QVERIFY(p.addWire(net, Wire{{x, 0}, {b, 1}})); // Add's second input
    // Removing a node removes its wires, each signalled.
    QSignalSpy wireRemoved(&p, &Project::wireRemoved);
    QVERIFY(p.removeNode(net, b));
    QCOMPARE(wireRemoved.count(), 2);
    QVERIFY(p.type(net)->wires.isEmpty());
}

void tst_Project::sharedCallsAndLastCallRemovesInstance()
{
    Project p;
    makeNet(p);
    const QString net = QStringLiteral("Net");
    const int first = *p.addCall(net, layer(QStringLiteral("shared"), QStringLiteral("Linear")), {});
    const auto second = p.addSharedCall(net, QStringLiteral("shared"), {50, 50});
    QVERIFY(second);
    QCOMPARE(p.type(net)->instances.size(), 1);
    QCOMPARE(p.type(net)->callsOf(QStringLiteral("shared")), (QList<int>{first, *second}));
    QString why;
    QVERIFY(!p.addSharedCall(net, QStringLiteral("nothere"), {}, &why));
    QVERIFY(why.contains(QStringLiteral("no instance called `nothere`")));
    QSignalSpy removed(&p, &Project::instanceRemoved);
    QVERIFY(p.removeNode(net, first));
    QCOMPARE(removed.count(), 0); // one call is left
    QVERIFY(p.type(net)->instance(QStringLiteral("shared")));
    QVERIFY(p.removeNode(net, *second));
    QCOMPARE(removed.count(), 1);
    QVERIFY(!p.type(net)->instance(QStringLiteral("shared")));
}

void tst_Project::renameInstanceRenamesCalls()
{
    Project p;
    makeNet(p);
    const QString net = QStringLiteral("Net");
    const int a = *p.addCall(net, layer(QStringLiteral("fc"), QStringLiteral("Linear")), {});
    const int b = *p.addSharedCall(net, QStringLiteral("fc"), {});
    p.addCall(net, layer(QStringLiteral("other"), QStringLiteral("ReLU")), {});
    QSignalSpy renamed(&p, &Project::instanceRenamed);
    QVERIFY(!p.renameInstance(net, QStringLiteral("fc"), QStringLiteral("other")));
    QVERIFY(p.renameInstance(net, QStringLiteral("fc"), QStringLiteral("encoder_fc")));
    QCOMPARE(renamed.count(), 1);
    QCOMPARE(p.type(net)->node(a)->name, QStringLiteral("encoder_fc"));
    QCOMPARE(p.type(net)->node(b)->name, QStringLiteral("encoder_fc"));
}

void tst_Project::renameTypeUpdatesReferences()
{
    Project p;
    p.setData(ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/configurable-blocks.mcproj")));
    QSignalSpy renamed(&p, &Project::typeRenamed);
    QVERIFY(!p.renameType(QStringLiteral("Block"), QStringLiteral("Linear"))); // a built-in
    QVERIFY(!p.renameType(QStringLiteral("Block"), QStringLiteral("NestedModel")));
    QVERIFY(p.renameType(QStringLiteral("Block"), QStringLiteral("DenseBlock")));
    QCOMPARE(renamed.count(), 1);
    QCOMPARE(p.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"))->blockType,
             QStringLiteral("DenseBlock"));
    QVERIFY(p.renameType(QStringLiteral("ConfigurableLightning"), QStringLiteral("Root")));
    QCOMPARE(p.rootType(), QStringLiteral("Root"));
    // A type in use cannot be removed; an unused one can.
    QVERIFY(!p.removeType(QStringLiteral("DenseBlock")));
    ModuleType spare;
    spare.name = QStringLiteral("Spare");
    QVERIFY(p.addType(spare));
    QVERIFY(p.removeType(QStringLiteral("Spare")));
    QVERIFY(!p.removeType(QStringLiteral("Root")));
}

void tst_Project::setOptionValidates()
{
    Project p;
    p.setData(ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj")));
    const QString enc = QStringLiteral("Encoder");
    QSignalSpy changed(&p, &Project::instanceChanged);
    EditResult r = p.setOption(enc, QStringLiteral("fc"), QStringLiteral("out_features"), OptionValue::constant(-2));
    QVERIFY2(!r && r.reason.contains(QStringLiteral("must be a whole number from 1 to 100000000")), qPrintable(r.reason));
    r = p.setOption(enc, QStringLiteral("fc"), QStringLiteral("out_features"), OptionValue::constant(2.5));
    QVERIFY2(!r && r.reason.contains(QStringLiteral("whole number")), qPrintable(r.reason));
    r = p.setOption(enc, QStringLiteral("fc"), QStringLiteral("dropout"), OptionValue::constant(1));
    QVERIFY2(!r && r.reason.contains(QStringLiteral("no option `dropout`")), qPrintable(r.reason));
    r = p.setOption(enc, QStringLiteral("fc"), QStringLiteral("out_features"), OptionValue::ref(QStringLiteral("nope")));
    QVERIFY2(!r && r.reason.contains(QStringLiteral("no argument `nope`")), qPrintable(r.reason));
    QCOMPARE(changed.count(), 0);
    QVERIFY(p.setOption(enc, QStringLiteral("fc"), QStringLiteral("out_features"), OptionValue::constant(8)));
    QCOMPARE(changed.count(), 1);
    QVERIFY(p.setOption(enc, QStringLiteral("fc"), QStringLiteral("out_features"), OptionValue::constant(8)));
    QCOMPARE(changed.count(), 1); // no change, no signal
    // Argument values of a module type instance are checked against its arguments.
    r = p.setOption(p.rootType(), QStringLiteral("encoder"), QStringLiteral("depth"), OptionValue::constant(3));
    QVERIFY2(!r && r.reason.contains(QStringLiteral("takes no argument `depth`")), qPrintable(r.reason));
}

void tst_Project::frozenAndStackRows()
{
    Project p;
    p.setData(ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/configurable-blocks.mcproj")));
    QSignalSpy changed(&p, &Project::instanceChanged);
    QVERIFY(p.setFrozen(QStringLiteral("ConfigurableLightning"), QStringLiteral("nested_model"), true));
    QVERIFY(p.type(QStringLiteral("ConfigurableLightning"))->instance(QStringLiteral("nested_model"))->frozen);
    QList<OptionMap> rows = p.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"))->rows;
    rows.append(OptionMap{{QStringLiteral("in_features"), OptionValue::constant(10)},
                          {QStringLiteral("out_features"), OptionValue::constant(10)}});
    QVERIFY(p.setStackRows(QStringLiteral("NestedModel"), QStringLiteral("blocks"), rows));
    QCOMPARE(p.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"))->rows.size(), 4);
    QCOMPARE(changed.count(), 2);
    QVERIFY(!p.setStackRows(QStringLiteral("ConfigurableLightning"), QStringLiteral("final_fc"), rows));
}

void tst_Project::moveSignalsOnlyOnChange()
{
    Project p;
    makeNet(p);
    const int n = *p.addCall(QStringLiteral("Net"), layer(QStringLiteral("r"), QStringLiteral("ReLU")), {1, 2});
    QSignalSpy moved(&p, &Project::nodeMoved);
    QVERIFY(p.moveNode(QStringLiteral("Net"), n, {1, 2}));
    QCOMPARE(moved.count(), 0);
    QVERIFY(p.moveNode(QStringLiteral("Net"), n, {30, 40}));
    QCOMPARE(moved.count(), 1);
    QCOMPARE(moved.at(0).at(2).toPointF(), QPointF(30, 40));
    QVERIFY(!p.moveNode(QStringLiteral("Net"), 99, {0, 0}));
}

void tst_Project::uniqueNames()
{
    Project p;
    makeNet(p);
    QCOMPARE(p.uniqueInstanceName(QStringLiteral("Net"), QStringLiteral("encoder")), QStringLiteral("encoder"));
    p.addCall(QStringLiteral("Net"), layer(QStringLiteral("fc1"), QStringLiteral("Linear")), {});
    QCOMPARE(p.uniqueInstanceName(QStringLiteral("Net"), QStringLiteral("fc1")), QStringLiteral("fc2"));
    QCOMPARE(p.uniqueInstanceName(QStringLiteral("Net"), QStringLiteral("for")), QStringLiteral("for1"));
}

void tst_Project::setDataEmitsReset()
{
    Project p;
    QSignalSpy reset(&p, &Project::reset);
    const ProjectData d = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj"));
    p.setData(d);
    QCOMPARE(reset.count(), 1);
    QVERIFY(p.data() == d);
}

/// An editor passes names it read from the project itself (`p.type(x)->name`,
/// an instance's name): the edit must not see them change under it, and the
/// signals must carry the names as they were.
void tst_Project::argumentsMayReferToTheProjectsOwnData()
{
    Project p;
    p.setData(ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/configurable-blocks.mcproj")));
    QSignalSpy typeRenamed(&p, &Project::typeRenamed);
    QVERIFY(p.renameType(p.type(QStringLiteral("Block"))->name, QStringLiteral("DenseBlock")));
    QCOMPARE(p.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"))->blockType,
             QStringLiteral("DenseBlock"));
    QCOMPARE(typeRenamed.takeFirst(), (QVariantList{QStringLiteral("Block"), QStringLiteral("DenseBlock")}));

    const QString nested = QStringLiteral("NestedModel");
    QSignalSpy instanceRenamed(&p, &Project::instanceRenamed);
    const Instance &blocks = *p.type(nested)->instance(QStringLiteral("blocks"));
    QVERIFY(p.renameInstance(nested, blocks.name, QStringLiteral("layers")));
    int calls = 0;
    for (const Node &n : p.type(nested)->nodes)
        if (n.kind == NodeKind::Call) {
            QVERIFY2(n.name != QStringLiteral("blocks"), "a call still names the old instance");
            calls += n.name == QStringLiteral("layers");
        }
    QCOMPARE(calls, 1);
    QCOMPARE(instanceRenamed.takeFirst().at(1).toString(), QStringLiteral("blocks"));

    ModuleType spare;
    spare.name = QStringLiteral("Spare");
    QVERIFY(p.addType(spare));
    QSignalSpy typeRemoved(&p, &Project::typeRemoved);
    QVERIFY(p.removeType(p.types().last().name));
    QVERIFY(!p.type(QStringLiteral("Spare")));
    QCOMPARE(typeRemoved.takeFirst().at(0).toString(), QStringLiteral("Spare"));
}

// Removing an argument the type still refers to would leave a document the
// reader refuses (the thousand-random-edits test reached one): refused, with
// the place that uses it, and nothing changes.
void tst_Project::usedArgumentIsNotRemoved()
{
    Project p;
    makeNet(p);
    const QString net = QStringLiteral("Net");
    QVERIFY(p.setArguments(net, {Argument{QStringLiteral("width"), 8}, Argument{QStringLiteral("spare"), 1}}));
    Instance fc = layer(QStringLiteral("fc"), QStringLiteral("Linear"));
    fc.options.insert(QStringLiteral("out_features"), OptionValue::ref(QStringLiteral("width")));
    QVERIFY(p.addCall(net, fc, {}));
    const ProjectData before = p.data();
    QSignalSpy changed(&p, &Project::changed);
    const EditResult r = p.setArguments(net, {Argument{QStringLiteral("spare"), 1}});
    QVERIFY(!r);
    QVERIFY2(r.reason.contains(QStringLiteral("`width` is still used by `fc`")), qPrintable(r.reason));
    QCOMPARE(changed.count(), 0);
    QVERIFY(p.data() == before);
    // One nobody uses goes.
    QVERIFY(p.setArguments(net, {Argument{QStringLiteral("width"), 8}}));
    ProjectFile::fromJson(ProjectFile::toJson(p.data()));
}

QTEST_GUILESS_MAIN(tst_Project)
#include "tst_project.moc"
