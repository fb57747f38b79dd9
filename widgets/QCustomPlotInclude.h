#pragma once

// qcustomplot.h uses the `signals`, `slots`, `emit` and `foreach` keywords,
// which this project turns off (QT_NO_KEYWORDS): include it through here.
#ifndef signals
#define MC_QCP_DEFINED_KEYWORDS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#endif
#include <qcustomplot.h>
#ifdef MC_QCP_DEFINED_KEYWORDS
#undef signals
#undef slots
#undef emit
#undef foreach
#undef MC_QCP_DEFINED_KEYWORDS
#endif
