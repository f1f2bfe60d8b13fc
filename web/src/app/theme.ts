import { createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  // Shade 8 keeps white text on filled buttons above WCAG AA's 4.5:1 in both themes.
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: "md",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  fontFamilyMonospace: "ui-monospace, 'SFMono-Regular', Menlo, monospace",
  components: {
    // Every notification's close button is named (axe: a button needs discernible text).
    Notification: { defaultProps: { closeButtonProps: { "aria-label": "Dismiss notification" } } },
    // The date picker, as axe checks it: its month arrows are icons, unnamed to a screen
    // reader without these labels; its weekend days (red 6) and other months' days (dimmed,
    // half opacity) are below WCAG AA's contrast, so weekends are not set apart and other
    // months' days are not shown. A plain object: the theme does not pull @mantine/dates
    // into the first load.
    DateInput: {
      defaultProps: { previousLabel: "Previous month", nextLabel: "Next month", weekendDays: [], hideOutsideDates: true },
    },
  },
});
