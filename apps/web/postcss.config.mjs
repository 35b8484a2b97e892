// PostCSS pipeline for the console: Tailwind CSS 4 only.
export default {
  plugins: { "@tailwindcss/postcss": {} },
};
