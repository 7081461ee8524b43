//! ELF editing in denv's own code: set a program's interpreter (`PT_INTERP`) and its
//! library search path (`DT_RPATH`) on x86_64 executables (PIE or not) and shared
//! libraries.
//!
//! `DT_RPATH` is written, and any `DT_RUNPATH` removed, because a `DT_RUNPATH` applies only
//! to the object's own direct dependencies while `DT_RPATH` of the executable is also
//! searched for the dependencies of its libraries (jq → libjq → libonig).
//!
//! When the new strings fit where the old ones were (an interpreter, or an RPATH this
//! module appended earlier), they are written in place. Otherwise
//! one new `PT_LOAD` segment (read/write) is appended at the end of the file:
//!
//! ```text
//! [ program header table (old entries + the new PT_LOAD) ]   ← e_phoff, PT_PHDR
//! [ interpreter string ]                                      ← PT_INTERP, .interp
//! [ old .dynstr + new rpath string ]                          ← DT_STRTAB/DT_STRSZ, .dynstr
//! [ dynamic array with DT_RPATH ]                             ← PT_DYNAMIC, .dynamic
//! ```
//!
//! Its virtual address keeps the first segment's offset-to-address difference, so the
//! program header address the kernel computes from `e_phoff` stays right even on kernels
//! that assume the table is in the first segment; `PT_LOAD` entries stay sorted by address.
//! Old strings and the old dynamic array are left behind unused. The new dynamic array is
//! always in that writable segment, because the loader writes `DT_DEBUG` into a program's
//! dynamic array: moved into a read-only segment, it crashes the program before `main`.
//! (That is how other tools' RPATH edits broke Go programs: they put the array into the
//! read-only text segment. Go programs take an RPATH here like any other program.)

use std::path::{Path, PathBuf};

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PF_R: u32 = 4;
const PF_W: u32 = 2;
const DT_NULL: u64 = 0;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;
const PHDR_SIZE: usize = 56;
const SHDR_SIZE: usize = 64;
const DYN_SIZE: usize = 16;
const PAGE: u64 = 4096;

/// What went wrong editing an ELF file.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not an ELF file")]
    NotElf,
    #[error("unsupported ELF file: {0} (only little-endian 64-bit x86_64 is handled)")]
    Unsupported(String),
    #[error("malformed ELF file: {0}")]
    Malformed(String),
    #[error("{0} has no PT_INTERP: it is not a dynamically linked program")]
    NoInterpreter(String),
    #[error("{0} has no dynamic section: it is statically linked")]
    NotDynamic(String),
}

/// The edits to make; `None` leaves that part alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edit<'a> {
    pub interpreter: Option<&'a str>,
    pub rpath: Option<&'a str>,
}

/// What an edit did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub interpreter_set: bool,
    pub rpath_set: bool,
    /// A new segment was appended.
    pub grew: bool,
}

/// A dynamic entry: (tag, value).
type Dyn = (u64, u64);

#[derive(Debug, Clone, Copy)]
struct Phdr {
    p_type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    paddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

struct Elf<'a> {
    bytes: &'a [u8],
    phnum: usize,
    phdrs: Vec<Phdr>,
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, ElfError> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| ElfError::Malformed(format!("truncated at {at}")))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, ElfError> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| ElfError::Malformed(format!("truncated at {at}")))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, ElfError> {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| ElfError::Malformed(format!("truncated at {at}")))
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn usize_of(v: u64) -> Result<usize, ElfError> {
    usize::try_from(v).map_err(|_| ElfError::Malformed(format!("offset {v} too large")))
}

fn align_up(v: u64, a: u64) -> u64 {
    if a <= 1 { v } else { v.div_ceil(a) * a }
}

/// Whether the bytes start with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

impl<'a> Elf<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Elf<'a>, ElfError> {
        if !is_elf(bytes) {
            return Err(ElfError::NotElf);
        }
        if bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
            return Err(ElfError::Unsupported("not 64-bit little-endian".to_owned()));
        }
        let machine = u16_at(bytes, 18)?;
        if machine != 62 {
            return Err(ElfError::Unsupported(format!("machine {machine}")));
        }
        let phoff = u64_at(bytes, 32)?;
        let phentsize = u16_at(bytes, 54)?;
        let phnum = usize::from(u16_at(bytes, 56)?);
        if phentsize as usize != PHDR_SIZE {
            return Err(ElfError::Malformed(format!(
                "program header size {phentsize}"
            )));
        }
        let mut phdrs = Vec::with_capacity(phnum);
        for i in 0..phnum {
            let at = usize_of(phoff)? + i * PHDR_SIZE;
            phdrs.push(Phdr {
                p_type: u32_at(bytes, at)?,
                flags: u32_at(bytes, at + 4)?,
                offset: u64_at(bytes, at + 8)?,
                vaddr: u64_at(bytes, at + 16)?,
                paddr: u64_at(bytes, at + 24)?,
                filesz: u64_at(bytes, at + 32)?,
                memsz: u64_at(bytes, at + 40)?,
                align: u64_at(bytes, at + 48)?,
            });
        }
        // Every later write stays inside the file: check the ranges it will touch.
        let len = bytes.len() as u64;
        for p in &phdrs {
            if p.offset.checked_add(p.filesz).is_none_or(|end| end > len) {
                return Err(ElfError::Malformed(format!(
                    "segment of type {} extends past the end of the file",
                    p.p_type
                )));
            }
        }
        let shoff = u64_at(bytes, 40)?;
        let shnum = u64::from(u16_at(bytes, 60)?);
        if shoff != 0
            && shoff
                .checked_add(shnum * SHDR_SIZE as u64)
                .is_none_or(|end| end > len)
        {
            return Err(ElfError::Malformed(
                "section headers extend past the end of the file".to_owned(),
            ));
        }
        Ok(Elf {
            bytes,
            phnum,
            phdrs,
        })
    }

    fn find(&self, p_type: u32) -> Option<(usize, Phdr)> {
        self.phdrs
            .iter()
            .enumerate()
            .find(|(_, p)| p.p_type == p_type)
            .map(|(i, p)| (i, *p))
    }

    /// The file offset of a virtual address inside some PT_LOAD's file image.
    fn offset_of(&self, vaddr: u64) -> Result<u64, ElfError> {
        self.phdrs
            .iter()
            .filter(|p| p.p_type == PT_LOAD)
            .find(|p| vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz)
            .map(|p| vaddr - p.vaddr + p.offset)
            .ok_or_else(|| ElfError::Malformed(format!("address {vaddr:#x} is not in the file")))
    }

    fn interpreter(&self) -> Result<Option<String>, ElfError> {
        let Some((_, p)) = self.find(PT_INTERP) else {
            return Ok(None);
        };
        let raw = self
            .bytes
            .get(usize_of(p.offset)?..usize_of(p.offset + p.filesz)?)
            .ok_or_else(|| ElfError::Malformed("PT_INTERP outside the file".to_owned()))?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        Ok(Some(String::from_utf8_lossy(&raw[..end]).into_owned()))
    }

    /// The dynamic entries up to (not including) DT_NULL, and the slot count.
    fn dynamic(&self) -> Result<Option<(Vec<Dyn>, usize)>, ElfError> {
        let Some((_, p)) = self.find(PT_DYNAMIC) else {
            return Ok(None);
        };
        let slots = usize_of(p.filesz)? / DYN_SIZE;
        let mut entries = Vec::new();
        for i in 0..slots {
            let at = usize_of(p.offset)? + i * DYN_SIZE;
            let tag = u64_at(self.bytes, at)?;
            if tag == DT_NULL {
                break;
            }
            entries.push((tag, u64_at(self.bytes, at + 8)?));
        }
        Ok(Some((entries, slots)))
    }

    fn dynstr(&self, entries: &[(u64, u64)]) -> Result<(u64, &'a [u8]), ElfError> {
        let get = |tag| entries.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
        let (Some(addr), Some(size)) = (get(DT_STRTAB), get(DT_STRSZ)) else {
            return Err(ElfError::Malformed("no DT_STRTAB/DT_STRSZ".to_owned()));
        };
        let off = self.offset_of(addr)?;
        let table = self
            .bytes
            .get(usize_of(off)?..usize_of(off + size)?)
            .ok_or_else(|| ElfError::Malformed("string table outside the file".to_owned()))?;
        Ok((addr, table))
    }

    /// A section header's index by name.
    fn section(&self, name: &str) -> Result<Option<usize>, ElfError> {
        let b = self.bytes;
        let shoff = usize_of(u64_at(b, 40)?)?;
        let shnum = usize::from(u16_at(b, 60)?);
        let shstrndx = usize::from(u16_at(b, 62)?);
        if shoff == 0 || shnum == 0 || shstrndx >= shnum {
            return Ok(None);
        }
        let strtab_off = usize_of(u64_at(b, shoff + shstrndx * SHDR_SIZE + 24)?)?;
        for i in 0..shnum {
            let name_off = u32_at(b, shoff + i * SHDR_SIZE)? as usize;
            let start = strtab_off + name_off;
            let Some(rest) = b.get(start..) else { continue };
            let end = rest.iter().position(|c| *c == 0).unwrap_or(rest.len());
            if &rest[..end] == name.as_bytes() {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

fn c_str(table: &[u8], offset: u64) -> String {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(table.len());
    let rest = &table[start..];
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

/// The program interpreter, if the file has one.
pub fn interpreter(bytes: &[u8]) -> Result<Option<String>, ElfError> {
    Elf::parse(bytes)?.interpreter()
}

/// The `DT_RPATH` and `DT_RUNPATH` strings, if present: `(rpath, runpath)`.
pub fn search_paths(bytes: &[u8]) -> Result<(Option<String>, Option<String>), ElfError> {
    let elf = Elf::parse(bytes)?;
    let Some((entries, _)) = elf.dynamic()? else {
        return Ok((None, None));
    };
    let (_, table) = elf.dynstr(&entries)?;
    let get = |tag| {
        entries
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| c_str(table, *v))
    };
    Ok((get(DT_RPATH), get(DT_RUNPATH)))
}

/// Applies `edit` to an ELF image and returns the new image.
pub fn edit(bytes: &[u8], edit: Edit<'_>) -> Result<(Vec<u8>, Outcome), ElfError> {
    let elf = Elf::parse(bytes)?;
    let mut outcome = Outcome::default();
    let mut out = bytes.to_vec();

    // Interpreter: in place when it fits.
    let mut new_interp: Option<Vec<u8>> = None;
    if let Some(interp) = edit.interpreter {
        let Some((_, p)) = elf.find(PT_INTERP) else {
            return Err(ElfError::NoInterpreter("the file".to_owned()));
        };
        let mut z = interp.as_bytes().to_vec();
        z.push(0);
        if z.len() as u64 <= p.filesz {
            let at = usize_of(p.offset)?;
            out[at..at + usize_of(p.filesz)?].fill(0);
            out[at..at + z.len()].copy_from_slice(&z);
        } else {
            new_interp = Some(z);
        }
        outcome.interpreter_set = true;
    }

    // RPATH: rebuild the dynamic array without RPATH/RUNPATH, then add DT_RPATH.
    let mut new_dynstr: Option<Vec<u8>> = None;
    let mut new_dynamic: Option<Vec<(u64, u64)>> = None;
    if let Some(rpath) = edit.rpath {
        let Some((entries, slots)) = elf.dynamic()? else {
            return Err(ElfError::NotDynamic("the file".to_owned()));
        };
        let (_, table) = elf.dynstr(&entries)?;
        // Reuse the old string's bytes only when nothing else can share them: linkers
        // merge string suffixes, so that is only safe for a string this module appended
        // (the last one of a string table living in a writable segment at the end).
        let (table_addr, _) = elf.dynstr(&entries)?;
        let ours = elf
            .phdrs
            .iter()
            .filter(|p| p.p_type == PT_LOAD)
            .max_by_key(|p| p.vaddr)
            .is_some_and(|p| {
                p.flags & PF_W != 0 && table_addr >= p.vaddr && table_addr < p.vaddr + p.filesz
            });
        let old_offset = entries
            .iter()
            .find(|(t, _)| *t == DT_RPATH || *t == DT_RUNPATH)
            .map(|(_, v)| *v);
        let fits = old_offset.filter(|off| {
            let old = c_str(table, *off);
            ours && old.len() >= rpath.len() && *off as usize + old.len() + 1 == table.len()
        });
        let string_offset = match fits {
            Some(off) => {
                let at = usize_of(elf.offset_of(table_addr)? + off)?;
                let old_len = c_str(table, off).len();
                out[at..at + old_len].fill(0);
                out[at..at + rpath.len()].copy_from_slice(rpath.as_bytes());
                off
            }
            None => {
                let mut grown = table.to_vec();
                let off = grown.len() as u64;
                grown.extend_from_slice(rpath.as_bytes());
                grown.push(0);
                new_dynstr = Some(grown);
                off
            }
        };
        let mut rebuilt: Vec<(u64, u64)> = entries
            .into_iter()
            .filter(|(t, _)| *t != DT_RPATH && *t != DT_RUNPATH)
            .collect();
        rebuilt.push((DT_RPATH, string_offset));
        if new_dynstr.is_none() && rebuilt.len() < slots {
            write_dynamic(&mut out, &elf, &rebuilt, slots)?;
        } else {
            new_dynamic = Some(rebuilt);
        }
        outcome.rpath_set = true;
    }

    if new_interp.is_none() && new_dynstr.is_none() && new_dynamic.is_none() {
        return Ok((out, outcome));
    }
    outcome.grew = true;
    grow(&elf, out, new_interp, new_dynstr, new_dynamic).map(|out| (out, outcome))
}

fn write_dynamic(
    out: &mut [u8],
    elf: &Elf<'_>,
    entries: &[(u64, u64)],
    slots: usize,
) -> Result<(), ElfError> {
    let Some((_, p)) = elf.find(PT_DYNAMIC) else {
        return Err(ElfError::NotDynamic("the file".to_owned()));
    };
    let base = usize_of(p.offset)?;
    for i in 0..slots {
        let (tag, val) = entries.get(i).copied().unwrap_or((DT_NULL, 0));
        put_u64(out, base + i * DYN_SIZE, tag);
        put_u64(out, base + i * DYN_SIZE + 8, val);
    }
    Ok(())
}

/// Appends the new segment and points everything at its contents.
fn grow(
    elf: &Elf<'_>,
    mut out: Vec<u8>,
    interp: Option<Vec<u8>>,
    dynstr: Option<Vec<u8>>,
    dynamic: Option<Vec<(u64, u64)>>,
) -> Result<Vec<u8>, ElfError> {
    let loads: Vec<&Phdr> = elf.phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let Some(first) = loads.iter().min_by_key(|p| p.vaddr) else {
        return Err(ElfError::Malformed("no PT_LOAD segment".to_owned()));
    };
    let delta = first.vaddr.wrapping_sub(first.offset);
    let max_end = loads.iter().map(|p| p.vaddr + p.memsz).max().unwrap_or(0);
    // Same address-minus-offset difference as the first segment, past every segment.
    let new_off = align_up((out.len() as u64).max(max_end.saturating_sub(delta)), PAGE);
    let new_vaddr = new_off.wrapping_add(delta);
    let addr = |off: u64| new_vaddr + (off - new_off);

    // Lay out the segment.
    let phnum = elf.phnum + 1;
    let mut seg: Vec<u8> = vec![0; phnum * PHDR_SIZE];
    let place = |seg: &mut Vec<u8>, data: &[u8]| -> u64 {
        seg.resize(align_up(seg.len() as u64, 8) as usize, 0);
        let at = seg.len() as u64;
        seg.extend_from_slice(data);
        new_off + at
    };
    let interp_at = interp
        .as_ref()
        .map(|z| (place(&mut seg, z), z.len() as u64));
    let dynstr_at = dynstr
        .as_ref()
        .map(|s| (place(&mut seg, s), s.len() as u64));
    let dynamic_at = match &dynamic {
        Some(entries) => {
            let mut entries = entries.clone();
            if let Some((off, size)) = dynstr_at {
                for (tag, val) in entries.iter_mut() {
                    match *tag {
                        DT_STRTAB => *val = addr(off),
                        DT_STRSZ => *val = size,
                        _ => {}
                    }
                }
            }
            let mut raw = Vec::with_capacity((entries.len() + 2) * DYN_SIZE);
            // One spare DT_NULL lets a later edit add an entry in place.
            entries.extend([(DT_NULL, 0), (DT_NULL, 0)]);
            for (tag, val) in &entries {
                raw.extend_from_slice(&tag.to_le_bytes());
                raw.extend_from_slice(&val.to_le_bytes());
            }
            Some((place(&mut seg, &raw), raw.len() as u64))
        }
        None => None,
    };
    let seg_len = seg.len() as u64;

    // New program header table: old entries, retargeted, plus the new PT_LOAD after the
    // last PT_LOAD.
    let mut phdrs = elf.phdrs.clone();
    for p in phdrs.iter_mut() {
        match p.p_type {
            PT_PHDR => {
                p.offset = new_off;
                p.vaddr = new_vaddr;
                p.paddr = new_vaddr;
                p.filesz = (phnum * PHDR_SIZE) as u64;
                p.memsz = p.filesz;
            }
            PT_INTERP => {
                if let Some((off, len)) = interp_at {
                    p.offset = off;
                    p.vaddr = addr(off);
                    p.paddr = addr(off);
                    p.filesz = len;
                    p.memsz = len;
                }
            }
            PT_DYNAMIC => {
                if let Some((off, len)) = dynamic_at {
                    p.offset = off;
                    p.vaddr = addr(off);
                    p.paddr = addr(off);
                    p.filesz = len;
                    p.memsz = len;
                }
            }
            _ => {}
        }
    }
    let last_load = phdrs
        .iter()
        .rposition(|p| p.p_type == PT_LOAD)
        .unwrap_or(phdrs.len() - 1);
    phdrs.insert(
        last_load + 1,
        Phdr {
            p_type: PT_LOAD,
            flags: PF_R | PF_W,
            offset: new_off,
            vaddr: new_vaddr,
            paddr: new_vaddr,
            filesz: seg_len,
            memsz: seg_len,
            align: PAGE,
        },
    );
    for (i, p) in phdrs.iter().enumerate() {
        let at = i * PHDR_SIZE;
        put_u32(&mut seg, at, p.p_type);
        put_u32(&mut seg, at + 4, p.flags);
        put_u64(&mut seg, at + 8, p.offset);
        put_u64(&mut seg, at + 16, p.vaddr);
        put_u64(&mut seg, at + 24, p.paddr);
        put_u64(&mut seg, at + 32, p.filesz);
        put_u64(&mut seg, at + 40, p.memsz);
        put_u64(&mut seg, at + 48, p.align);
    }

    // The ELF header points at the new table.
    put_u64(&mut out, 32, new_off);
    put_u16(
        &mut out,
        56,
        u16::try_from(phnum).map_err(|_| ElfError::Malformed("too many segments".to_owned()))?,
    );

    // Section headers follow the moved contents, so readelf and friends see them.
    let retarget =
        |out: &mut Vec<u8>, name: &str, at: Option<(u64, u64)>| -> Result<(), ElfError> {
            let (Some((off, len)), Some(index)) = (at, elf.section(name)?) else {
                return Ok(());
            };
            let shoff = usize_of(u64_at(out, 40)?)?;
            let base = shoff + index * SHDR_SIZE;
            put_u64(out, base + 16, addr(off));
            put_u64(out, base + 24, off);
            put_u64(out, base + 32, len);
            Ok(())
        };
    retarget(&mut out, ".interp", interp_at)?;
    retarget(&mut out, ".dynstr", dynstr_at)?;
    retarget(&mut out, ".dynamic", dynamic_at)?;

    out.resize(usize_of(new_off)?, 0);
    out.extend_from_slice(&seg);
    Ok(out)
}

/// Edits the file at `path` in place (atomically, keeping its permissions).
pub fn edit_file(path: &Path, edit_spec: Edit<'_>) -> Result<Outcome, ElfError> {
    let io = |source| ElfError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let (new, outcome) = edit(&bytes, edit_spec).map_err(|e| match e {
        ElfError::NoInterpreter(_) => ElfError::NoInterpreter(path.display().to_string()),
        ElfError::NotDynamic(_) => ElfError::NotDynamic(path.display().to_string()),
        other => other,
    })?;
    if new != bytes {
        let perms = std::fs::metadata(path).map_err(io)?.permissions();
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, &new).map_err(io)?;
        std::fs::set_permissions(tmp.path(), perms).map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
    }
    Ok(outcome)
}

/// `DT_SONAME`, when the file is a shared library that names itself.
pub fn soname(bytes: &[u8]) -> Result<Option<String>, ElfError> {
    let elf = Elf::parse(bytes)?;
    let Some((entries, _)) = elf.dynamic()? else {
        return Ok(None);
    };
    let (_, table) = elf.dynstr(&entries)?;
    Ok(entries
        .iter()
        .find(|(t, _)| *t == DT_SONAME)
        .map(|(_, v)| c_str(table, *v)))
}

/// Where a relocated tree's programs find their loader and libraries.
#[derive(Debug, Clone, Copy)]
pub struct Relocation<'a> {
    /// The `ld-linux-x86-64.so.2` every program gets as its interpreter.
    pub interpreter: &'a str,
    /// The colon-separated library directories (the closure's lib dirs).
    pub rpath: &'a str,
}

/// What [`relocate_tree`] did.
#[derive(Debug, Default)]
pub struct TreeReport {
    /// Files whose interpreter and/or RPATH were set.
    pub edited: Vec<PathBuf>,
    /// ELF files left alone, with the reason (another architecture, static, …).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Relocates every ELF file under `root` (symlinks are not followed): programs (a
/// `PT_INTERP` and no `DT_SONAME`) get the interpreter, every dynamically linked file
/// except the loader itself gets the RPATH.
pub fn relocate_tree(root: &Path, relocation: Relocation<'_>) -> Result<TreeReport, ElfError> {
    let mut report = TreeReport::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let io = |source| ElfError::Io {
            path: dir.clone(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().map_err(|source| ElfError::Io {
                path: path.clone(),
                source,
            })?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let mut magic = [0u8; 4];
            let is_elf_file = std::fs::File::open(&path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .is_ok()
                && is_elf(&magic);
            if !is_elf_file {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| ElfError::Io {
                path: path.clone(),
                source,
            })?;
            let (has_interp, soname) = match (interpreter(&bytes), soname(&bytes)) {
                (Ok(i), Ok(s)) => (i.is_some(), s),
                (Err(e), _) | (_, Err(e)) => {
                    report.skipped.push((path, e.to_string()));
                    continue;
                }
            };
            let dynamic = Elf::parse(&bytes)
                .map(|e| e.find(PT_DYNAMIC).is_some())
                .unwrap_or(false);
            if !dynamic {
                report.skipped.push((path, "statically linked".to_owned()));
                continue;
            }
            if soname.as_deref().is_some_and(|s| s.starts_with("ld-linux")) {
                continue;
            }
            let spec = Edit {
                interpreter: (has_interp && soname.is_none()).then_some(relocation.interpreter),
                rpath: Some(relocation.rpath),
            };
            edit_file(&path, spec)?;
            report.edited.push(path);
        }
    }
    Ok(report)
}

/// The multiarch library directories Debian packages install into, relative to a
/// package's root.
pub const LIBRARY_SUBDIRS: [&str; 2] = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"];

/// The library directories that exist under each unpacked package root, in order: the
/// RPATH of a closure whose packages live at those roots.
pub fn library_dirs(package_roots: &[PathBuf]) -> Vec<PathBuf> {
    package_roots
        .iter()
        .flat_map(|root| LIBRARY_SUBDIRS.iter().map(move |sub| root.join(sub)))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// The dynamic loader inside an unpacked `libc6` (a regular file, not the `/lib64`
/// compatibility symlink, which is absolute).
pub fn find_loader(libc_root: &Path) -> Option<PathBuf> {
    LIBRARY_SUBDIRS
        .iter()
        .map(|sub| libc_root.join(sub).join("ld-linux-x86-64.so.2"))
        .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_elf_and_foreign_files_are_refused() {
        assert!(matches!(
            edit(b"#!/bin/sh\n", Edit::default()),
            Err(ElfError::NotElf)
        ));
        let mut fake = vec![0u8; 64];
        fake[..4].copy_from_slice(b"\x7fELF");
        fake[4] = 1;
        assert!(matches!(interpreter(&fake), Err(ElfError::Unsupported(_))));
    }

    #[test]
    fn truncated_headers_are_malformed_not_a_panic() {
        let mut fake = vec![0u8; 64];
        fake[..4].copy_from_slice(b"\x7fELF");
        fake[4] = 2;
        fake[5] = 1;
        fake[18] = 62;
        fake[32] = 200; // e_phoff past the end
        fake[54] = PHDR_SIZE as u8;
        fake[56] = 3;
        assert!(matches!(interpreter(&fake), Err(ElfError::Malformed(_))));
    }
}
