require("fs").writeFileSync("/tmp/rootran", String(Date.now()))
