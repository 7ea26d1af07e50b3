// BPF registers. The builder takes Reg objects (not bare numbers) where it expects a register,
// so `mov64(R1, 2)` (immediate) and `mov64(R1, R2)` (register) cannot be confused.

/** A BPF register, r0 to r10; `index` is the number stored in an instruction's dst or src. */
export class Reg {
  /** Register number, 0 to 10. */
  readonly index: number;

  /** Creates a register object; prefer the constants {@link R0} … {@link R10}. */
  constructor(index: number) {
    this.index = index;
    Object.freeze(this);
  }

  /** Returns the register's name in verifier notation (`r3`). */
  toString(): string {
    return `r${this.index}`;
  }
}

/** r0: return value of calls and of the program. */
export const R0 = new Reg(0);
/** r1: first argument; the context pointer at program entry. */
export const R1 = new Reg(1);
/** r2: second argument. */
export const R2 = new Reg(2);
/** r3: third argument. */
export const R3 = new Reg(3);
/** r4: fourth argument. */
export const R4 = new Reg(4);
/** r5: fifth argument. */
export const R5 = new Reg(5);
/** r6: callee-saved. */
export const R6 = new Reg(6);
/** r7: callee-saved. */
export const R7 = new Reg(7);
/** r8: callee-saved. */
export const R8 = new Reg(8);
/** r9: callee-saved. */
export const R9 = new Reg(9);
/** r10: read-only frame pointer; the stack is below it (r10 - 512 … r10 - 1). */
export const R10 = new Reg(10);
/** The frame pointer, an alias of {@link R10}. */
export const RFP = R10;

/** All registers by number: `Regs[3] === R3`. */
export const Regs: readonly Reg[] = Object.freeze([R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10]);
