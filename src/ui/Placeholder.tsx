import type { CSSProperties } from 'react';

/** Temporary home page until the interactive lab replaces it. */
export function Placeholder() {
  return (
    <main style={styles.main}>
      <header>
        <h1 style={styles.title}>GradFlow</h1>
        <p style={styles.tagline}>Gradient flow in GoogLeNet, with and without its auxiliary classifiers</p>
      </header>
      <section style={styles.card} aria-label="About">
        <p style={styles.text}>
          GradFlow trains a small GoogLeNet in your browser and shows how large the gradient is at
          every layer, so you can see how it flows through the network with and without the two
          auxiliary classifiers that feed extra gradient into its middle.
        </p>
        <p style={styles.text}>
          The interactive lab is coming; this page is a placeholder until it arrives.
        </p>
      </section>
    </main>
  );
}

const styles = {
  main: { maxWidth: '42rem', margin: '0 auto', padding: '4rem 1.5rem' },
  title: { margin: 0, fontSize: '2.5rem', letterSpacing: '-0.02em', color: 'var(--accent)' },
  tagline: { margin: '0.25rem 0 2rem', color: 'var(--muted)', fontSize: '1.1rem' },
  card: {
    background: 'var(--card)',
    border: '1px solid var(--line)',
    borderRadius: '0.75rem',
    padding: '1.25rem 1.5rem',
  },
  text: { margin: '0.5rem 0' },
} satisfies Record<string, CSSProperties>;
