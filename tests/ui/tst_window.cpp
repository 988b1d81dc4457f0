// Window tests come with the runtime.
