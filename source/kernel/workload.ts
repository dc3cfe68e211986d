// The scenario's step interpreter: what each step of a task does to the machine. A step
// either takes time or blocks (the CPU waits for an event) or lets the task go straight on.
import type {Cpu, Task} from './cpu.js';
import type {Step} from './config.js';
import {EV_TASK_WAKE} from './engine.js';
import {setIrqs} from './irq.js';
import type {Kernel} from './kernel.js';
import {mutexLock, mutexUnlock} from './mutex.js';
import {printk} from './printk.js';
import {quiescentState} from './rcu/tree.js';
import {draw, schedulePoint, startTimed, takeDebt} from './sched.js';
import {flushTlbOthers, smpCallFunction, smpCallTargeted} from './smp.js';
import {scheduleBug} from './might_sleep.js';
import {spinLock, spinTrylock, spinUnlock} from './spinlock.js';
import {rwLock, rwUnlock} from './rwlock.js';
import {consoleDrain, consoleTrylock} from './console.js';
import {stopMachine} from './stop_machine.js';
import {localBhDisable, localBhEnable} from './softirq.js';
import {condResched, mightSleep, preemptCheck, preemptDisable, preemptEnable} from './preempt.js';
import {callRcu, rcuReadLock, rcuReadUnlock, synchronizeRcu} from './rcu/update.js';
import {complete, waitForCompletion} from './completion.js';

/** Executes one step; returns true when the task can go straight on to the next. */
export function execStep(k: Kernel, cpu: Cpu, task: Task, step: Step): boolean {
	switch (step.op) {
		case 'run':
			startTimed(k, cpu, {kind: 'run', mode: step.mode, fn: undefined, until: 0}, draw(cpu, step.for));
			return false;
		case 'call': {
			const body = draw(cpu, step.for);
			for (const ext of k.extensions) if (ext.onCall?.(k, cpu, task, step.fn, body)) return false;
			startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: step.fn, until: 0}, body);
			return false;
		}
		case 'idle': {
			if (k.s.debug) scheduleBug(k, cpu, ['schedule_timeout', 'schedule_timeout_uninterruptible', 'msleep']);
			task.state = 'sleeping';
			task.sleepToken++;
			cpu.current = undefined;
			k.q.push(k.s.now + draw(cpu, step.for) + takeDebt(cpu), EV_TASK_WAKE, cpu.id, task.sleepToken, task);
			schedulePoint(k, cpu);
			return true;
		}
		case 'irq_disable':
			setIrqs(k, cpu, false);
			task.pc++;
			return true;
		case 'irq_enable':
			task.pc++;
			setIrqs(k, cpu, true);
			return cpu.current === task && cpu.activity.kind !== 'stuck';
		case 'spin_lock':
			return spinLock(k, cpu, task, step.lock, step.irqsave);
		case 'spin_unlock':
			spinUnlock(k, cpu, step.lock);
			task.pc++;
			return preemptCheck(k, cpu, task);
		case 'mutex_lock':
			if (mightSleep(k, cpu, task)) return true;
			return mutexLock(k, cpu, task, step.lock);
		case 'mutex_unlock':
			mutexUnlock(k, cpu, step.lock, task);
			task.pc++;
			return true;
		case 'smp_call_function':
			return smpCallFunction(k, cpu, task, step.func, step.wait);
		case 'tlb_flush':
			return flushTlbOthers(k, cpu, task);
		case 'rcu_idle_enter':
			// An extended quiescent state: RCU stops watching this CPU.
			cpu.rcuIdle = true;
			quiescentState(k, cpu);
			task.pc++;
			return true;
		case 'rcu_idle_exit':
			cpu.rcuIdle = false;
			task.pc++;
			return true;
		case 'log':
			printk(k, cpu.id, 'info', step.text);
			task.pc++;
			return true;
		case 'smp_call_function_single':
			return smpCallTargeted(k, cpu, task, 'smp_call_function_single', [step.cpu], step.func, step.wait);
		case 'smp_call_function_many':
			return smpCallTargeted(k, cpu, task, 'smp_call_function_many', step.cpus, step.func, step.wait);
		case 'on_each_cpu':
			return smpCallTargeted(k, cpu, task, 'on_each_cpu', k.s.cpus.map((c) => c.id), step.func, step.wait);
		case 'read_lock':
		case 'write_lock':
			return rwLock(k, cpu, task, step, step.op === 'write_lock');
		case 'read_unlock':
		case 'write_unlock':
			rwUnlock(k, cpu, step, step.op === 'write_unlock');
			task.pc++;
			return true;
		case 'console_trylock':
			return consoleTrylock(k, cpu, task);
		case 'console_drain':
			return consoleDrain(k, cpu, task);
		case 'spin_trylock':
			return spinTrylock(k, cpu, task, step.lock, step.irqsave, step.skip);
		case 'stop_machine':
			return stopMachine(k, cpu, task, step.func, step.cpu);
		// Bottom halves (softirq.ts).
		case 'spin_lock_bh':
			localBhDisable(k, cpu);
			return spinLock(k, cpu, task, step.lock, false);
		case 'spin_unlock_bh':
			spinUnlock(k, cpu, step.lock);
			return localBhEnable(k, cpu, task, true);
		case 'local_bh_disable':
			localBhDisable(k, cpu);
			task.pc++;
			return true;
		case 'local_bh_enable':
			return localBhEnable(k, cpu, task);
		// Preemption (preempt.ts), the RCU read side (rcu/update.ts), completions (completion.ts).
		case 'preempt_disable':
			preemptDisable(cpu);
			task.pc++;
			return true;
		case 'preempt_enable':
			task.pc++;
			return preemptEnable(k, cpu, task);
		case 'cond_resched':
			task.pc++;
			return condResched(k, cpu, task);
		case 'rcu_read_lock':
			rcuReadLock(k, cpu, task);
			task.pc++;
			return true;
		case 'rcu_read_unlock':
			task.pc++;
			return rcuReadUnlock(k, cpu, task);
		case 'synchronize_rcu':
			return synchronizeRcu(k, cpu, task);
		case 'call_rcu':
			callRcu(k, cpu);
			task.pc++;
			return true;
		case 'wait_for_completion':
			return waitForCompletion(k, cpu, task, step.completion, step.timeout);
		case 'complete':
		case 'complete_all':
			task.pc++;
			complete(k, cpu, step.completion, step.op === 'complete_all');
			return true;
	}
}
