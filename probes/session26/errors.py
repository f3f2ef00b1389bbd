"""Session 26: the full (or fast) check's SpinBot errors at 0.5, cross-fitted as the bench does, and
the errors at other thresholds. Usage: PYTHONPATH=src .venv/bin/python probes/session26/errors.py [full|fast]"""
import time, sys
t=time.time()
from unspin.evaluation.detection import spinbot_detection, _training_examples, _is_spinbot
tier = sys.argv[1] if len(sys.argv)>1 else "full"
fig, labels, probs = spinbot_detection(tier)
print({k:v for k,v in fig.items() if not isinstance(v,(list,dict))}, time.time()-t)
tested = [e for fold in (0, 1) for e in _training_examples(tier) if _is_spinbot(e.group, fold)]
for e,l,p in zip(tested,labels,probs):
    if (p>=0.5)!=bool(l):
        print(l, round(p,3), e.evidence.words, e.text[:150].replace("\n"," "))
import numpy as np
y=np.array(labels); p=np.array(probs)
for t in [0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6]:
    fp=int(((p>=t)&(y==0)).sum()); fn=int(((p<t)&(y==1)).sum()); tp=int(((p>=t)&(y==1)).sum())
    print(t, fp, fn, round(2*tp/(2*tp+fp+fn),4))
