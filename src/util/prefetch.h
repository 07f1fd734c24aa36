/*
 * prefetch.h - a software prefetch the compiler must keep.
 *
 * GCC 12 deletes a loop whose only effect is __builtin_prefetch (it treats
 * the builtin as free of side effects), which silently removed the engine's
 * second prefetch stage; measured at 1 M sessions that was a 4x loss.  On
 * x86-64 the prefetch is therefore an asm volatile statement.
 */
#ifndef SW_UTIL_PREFETCH_H
#define SW_UTIL_PREFETCH_H

static inline void sw_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p);
#endif
}

#endif
