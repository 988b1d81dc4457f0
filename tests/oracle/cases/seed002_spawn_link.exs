# Seed 002: spawn_link in a file: the failure brings the parent down.
spawn_link fn -> raise "oops" end

receive do
  :hello -> "let's wait until the process fails"
end
