{ name ? "default" }: { greeting = "hi ${name}"; other = throw "no"; }
